#!/usr/bin/env python3
"""Browser checks of the dashboard (tests/integration/dashboard.sh runs it).

Drives Debian's chromium, headless, through chromium-driver and
python3-selenium against a pkvmd the shell script started, on loopback
only.  Each check prints one line, "PASS name", "FAIL name -- why" or
"SKIP name -- why", which the shell turns into TAP.  Screenshots of every
page go to SHOTS.  Waiting is on the page's own state (WebDriverWait on an
element or a value), never a fixed sleep.

Arguments: BASE_URL SHOTS_DIR PROFILE_DIR JOBS_JSON, where JOBS_JSON names
the jobs made for it: {"pass": id, "fail": id, "crash": id, "cov": id,
"hang": id, "tag": "covtag", "submit": [argv of a pkvmctl submit that
prints a job id], "token": "pkvm_..."}.
"""
import json
import os
import subprocess
import sys
import time
import urllib.request

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from browser import chromium, severe_log  # noqa: E402

BASE, SHOTS, PROFILE, JOBS = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])


def out(status, name, why=""):
    print(f"{status} {name}" + (f" -- {why}" if why else ""), flush=True)


def check(name, cond, why=""):
    out("PASS" if cond else "FAIL", name, "" if cond else why)


def api(path, token=None):
    req = urllib.request.Request(BASE + path)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def events_exist():
    """Whether this pkvmd has GET /v1/events (issue 12's stream)."""
    req = urllib.request.Request(BASE + "/v1/events?since=0")
    try:
        with urllib.request.urlopen(req, timeout=2) as r:
            return r.status == 200
    except urllib.error.HTTPError as e:
        return e.code not in (404, 405)
    except Exception:
        # A stream that sends nothing for 2 s still exists.
        return True


d = chromium(PROFILE)
wait = WebDriverWait(d, 15)
console_errors = []
has_events = events_exist()


def collect_log():
    # Before the events stream exists, the page's one try at it is a 404
    # the browser logs; the page then shows what the REST API said.
    console_errors.extend(severe_log(
        d, lambda msg: not has_events and "/v1/events" in msg and "404" in msg))


def shot(name):
    d.save_screenshot(os.path.join(SHOTS, name + ".png"))


def load(path, ready_css):
    collect_log()
    d.get(BASE + path)
    wait.until(lambda _: d.find_elements(By.CSS_SELECTOR, ready_css))


def text(css):
    return d.find_element(By.CSS_SELECTOR, css).text


try:
    # --- overview ------------------------------------------------------
    load("/", "#done tbody tr[data-job]")
    wait.until(lambda _: d.find_elements(By.CSS_SELECTOR, f"#run-{JOBS['hang']}"))
    check("overview: the running job has a card with a progress bar",
          d.find_elements(By.CSS_SELECTOR, f"#run-{JOBS['hang']} progress.tests"))
    row = d.find_elements(By.CSS_SELECTOR, f"#done tr[data-job='{JOBS['pass']}'] .badge")
    check("overview: a passed job is listed with its badge", row and row[0].text == "passed",
          f"row: {[r.text for r in row]}")
    check("overview: slots from the server",
          "of" in text("#slots") and "slots in use" in text("#slots"), text("#slots"))
    users = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#users tbody tr")]
    check("overview: per-user usage lists the owner", any(JOBS["owner"] in u for u in users), str(users))
    shot("overview")

    load("/?result=failed", "#done tbody tr")
    ids = [r.get_attribute("data-job") for r in d.find_elements(By.CSS_SELECTOR, "#done tbody tr[data-job]")]
    check("overview: the result filter shows only failed jobs (server-side)",
          ids and all(api(f"/v1/jobs/{i}")["result"] == "failed" for i in ids), str(ids))

    # --- live updates (the events stream) -------------------------------
    if not has_events:
        why = "GET /v1/events is not in this pkvmd yet (404): the page shows the REST API's state at load"
        out("SKIP", "overview: a job submitted with pkvmctl appears within a second, without a reload", why)
        out("SKIP", "overview: its progress moves as its tests finish", why)
    else:
        load("/", "#done tbody tr")
        d.execute_script("window.__marker = 1")
        new_id = subprocess.run(JOBS["submit"], check=True, capture_output=True, text=True).stdout.strip()
        t0 = time.monotonic()
        try:
            WebDriverWait(d, 1.0, poll_frequency=0.02).until(
                lambda _: d.find_elements(By.CSS_SELECTOR, f"[data-job='{new_id}']"))
            took = time.monotonic() - t0
            ok = d.execute_script("return window.__marker") == 1
            check("overview: a job submitted with pkvmctl appears within a second, without a reload",
                  ok, f"page reloaded (took {took:.2f} s)")
        except TimeoutException:
            check("overview: a job submitted with pkvmctl appears within a second, without a reload",
                  False, "not shown after 1 s")
        seen = set()
        try:
            WebDriverWait(d, 30, poll_frequency=0.05).until(lambda _: (
                seen.add(d.execute_script(
                    "const c = document.querySelector(arguments[0]);"
                    "return c ? c.querySelector('.tests-count').textContent : null;",
                    f"#run-{new_id}")) or len(seen - {None}) >= 3))
        except TimeoutException:
            pass
        check("overview: its progress moves as its tests finish", len(seen - {None}) >= 3,
              f"progress texts seen: {sorted(x for x in seen if x)}")
        shot("overview-live")

    # --- job pages --------------------------------------------------------
    load(f"/ui/job.html?id={JOBS['fail']}", "#tests > li")
    first = d.find_element(By.CSS_SELECTOR, "#tests > li")
    check("job: a failed test is listed first",
          first.get_attribute("data-verdict") == "fail" and "b" == first.find_element(By.CSS_SELECTOR, ".test-name").text,
          f"first: {first.text}")
    # b passed in the passing job, on the same kernel with the same tests.
    flaky = first.find_elements(By.CSS_SELECTOR, ".flaky")
    check("job: a test that also passed on this kernel and tests is marked flaky",
          flaky and flaky[0].text == "flaky 1/2", f"first: {first.text}")
    shot("job-failed")

    crash = api(f"/v1/jobs/{JOBS['crash']}/crashes")["crashes"][0]
    load(f"/ui/job.html?id={JOBS['crash']}", "#crashes .crash-title")
    check("job: a crashed job shows its crash title", crash["title"] in text("#crashes .crash-title"),
          f"page: {text('#crashes .crash-title')!r}, API: {crash['title']!r}")
    report = text("#crashes pre.report")
    frame = [ln for ln in (crash["symbolized"] or crash["report"]).splitlines() if "+0x" in ln]
    check("job: and its backtrace", frame and frame[0].strip().split()[-1] in report, report[:200])
    wait.until(lambda _: d.find_elements(By.CSS_SELECTOR, "#console .l.crash"))
    check("job: the crash report's console lines are highlighted",
          d.find_elements(By.CSS_SELECTOR, f"#console #L{crash['lines'][0]}.crash"))
    shot("job-crashed")

    load(f"/ui/job.html?id={JOBS['pass']}", "#console .l")
    wait.until(lambda _: "following" not in text("#console-live"))
    with urllib.request.urlopen(BASE + f"/v1/jobs/{JOBS['pass']}/console") as r:
        n_lines = len(r.read().decode().split("\n")) - 1
    check("job: the console has every line of the API's console",
          len(d.find_elements(By.CSS_SELECTOR, "#console .l")) == n_lines,
          f"{len(d.find_elements(By.CSS_SELECTOR, '#console .l'))} vs {n_lines}")
    d.find_element(By.ID, "search").send_keys("fake-qemu")
    hits = d.find_elements(By.CSS_SELECTOR, "#console .l.hit")
    check("job: search marks the matching lines", hits and all("fake-qemu" in h.text for h in hits),
          f"{len(hits)} hits")
    check("job: the qemu command is shown", "fake" in text("#qemu") or "qemu" in text("#qemu"), text("#qemu"))
    shot("job-passed")
    d.get(BASE + f"/ui/job.html?id={JOBS['pass']}#L3")
    wait.until(lambda _: d.find_elements(By.CSS_SELECTOR, "#L3.hit-current"))
    check("job: a line link (#L3) marks its line", True)

    cov = api(f"/v1/jobs/{JOBS['cov']}/coverage")
    load(f"/ui/job.html?id={JOBS['cov']}", ".cov-summary")
    line_row = d.find_element(By.CSS_SELECTOR, ".cov-summary tr").text
    check("job: the coverage summary shows the API's numbers",
          f"{cov['lines']['hit']} / {cov['lines']['total']}" in line_row, f"{line_row!r} vs {cov['lines']}")
    rows = d.find_elements(By.CSS_SELECTOR, ".cov-files tbody tr")
    want = [f"{f['lines']['hit']}/{f['lines']['total']}" for f in cov["files"]]
    got = [r.find_elements(By.CSS_SELECTOR, "td")[1].text for r in rows]
    check("job: the per-file coverage table shows the API's numbers", got == want, f"{got} vs {want}")
    link = d.find_element(By.CSS_SELECTOR, "a.cov-report").get_attribute("href")
    check("job: the coverage links to its full report",
          link.endswith(f"/v1/jobs/{JOBS['cov']}/coverage/html/index.html"), link)
    shot("job-coverage")

    # --- actions: refused without a token, done with one -----------------
    load(f"/ui/job.html?id={JOBS['hang']}", "#console .l")
    d.find_element(By.ID, "cancel").click()
    wait.until(lambda _: "token" in text("#status"))
    check("job: cancel without a token is refused in the page", "needs a token" in text("#status"),
          text("#status"))
    check("job: and the job still runs", api(f"/v1/jobs/{JOBS['hang']}")["state"] == "running")
    shot("job-no-token")
    d.find_element(By.ID, "token-input").send_keys(JOBS["token"])
    d.find_element(By.CSS_SELECTOR, "#token-dialog button[value='save']").click()
    wait.until(lambda _: d.find_elements(By.CSS_SELECTOR, "#console .l"))
    wait.until(lambda _: JOBS["owner"] in text("#who"))
    d.find_element(By.ID, "cancel").click()
    try:
        WebDriverWait(d, 15).until(lambda _: api(f"/v1/jobs/{JOBS['hang']}")["state"] == "done")
        check("job: with a token, cancel cancels", api(f"/v1/jobs/{JOBS['hang']}")["result"] == "cancelled")
    except TimeoutException:
        check("job: with a token, cancel cancels", False, text("#status"))

    # --- crashes and coverage pages ----------------------------------------
    load("/ui/crashes.html", "#groups tbody tr td.crash-title")
    titles = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#groups td.crash-title")]
    check("crashes: the crash title is listed across jobs", crash["title"] in titles, str(titles))
    shot("crashes")

    merged = api(f"/v1/coverage?tag={JOBS['tag']}")
    load(f"/ui/coverage.html?tag={JOBS['tag']}", "#merged .cov-summary")
    line_row = d.find_element(By.CSS_SELECTOR, "#merged .cov-summary tr").text
    check("coverage: the merged coverage of a tag shows the API's numbers",
          f"{merged['lines']['hit']} / {merged['lines']['total']}" in line_row, line_row)
    shot("coverage")

    # --- a narrow screen ---------------------------------------------------
    d.set_window_size(390, 844)
    load("/", "#done tbody tr")
    over = d.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    check("overview: no sideways scrolling on a narrow screen", over <= 1, f"{over} px too wide")
    shot("overview-narrow")
    collect_log()
    check("no errors in the browser's console log", not console_errors, "; ".join(console_errors)[:600])
finally:
    d.quit()
