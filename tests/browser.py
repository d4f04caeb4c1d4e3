"""Headless chromium for the dashboard's browser tests (tests/integration/
dashboard.py, tests/e2e/dashboard-console.py): Debian's chromium through
chromium-driver, a private profile, loopback only (every other host name
resolves to nothing), and the browser's console log kept for the checks."""
from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def chromium(profile_dir, width=1280, height=1000):
    """A headless chromium whose profile lives in PROFILE_DIR."""
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              f"--user-data-dir={profile_dir}", "--no-first-run", "--no-default-browser-check",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--disable-extensions", "--no-proxy-server",
              "--disable-features=Translate,OptimizationHints,MediaRouter",
              "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
              f"--window-size={width},{height}"):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def severe_log(driver, ignore=lambda msg: False):
    """The SEVERE entries of the browser's console log since the last call."""
    return [e.get("message", "") for e in driver.get_log("browser")
            if e.get("level") == "SEVERE" and not ignore(e.get("message", ""))]
