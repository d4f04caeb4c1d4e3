#!/usr/bin/env python3
"""The console page while a real guest prints (tests/e2e/dashboard-console.sh).

Arguments: BASE_URL SHOTS_DIR PROFILE_DIR JOB_ID PKVMCTL SOCKET.  The
guest ticks until a line is typed on its console, which this script does
(pkvmctl attach) once it has seen the live part.  Prints "PASS name",
"FAIL name -- why" or "SKIP name -- why" per check."""
import json
import os
import re
import subprocess
import sys
import urllib.request

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from browser import chromium, severe_log  # noqa: E402

BASE, SHOTS, PROFILE, JOB = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
PKVMCTL, SOCK = sys.argv[5], sys.argv[6]


def out(status, name, why=""):
    print(f"{status} {name}" + (f" -- {why}" if why else ""), flush=True)


def check(name, cond, why=""):
    out("PASS" if cond else "FAIL", name, "" if cond else why)


def state():
    with urllib.request.urlopen(f"{BASE}/v1/jobs/{JOB}", timeout=10) as r:
        return json.load(r)["state"]


def enough():
    """Type the line that ends the guest's ticking; pipe mode returns at
    the job's end."""
    subprocess.run([PKVMCTL, "--socket", SOCK, "attach", str(JOB)], input=b"enough\n",
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=180, check=False)


# Read in one script run, not element by element: the page redraws as
# events come, and an element found a moment ago may be gone (stale).
def texts(selector):
    return d.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText)", selector)


def ticks():
    return [t for t in texts("#console .l") if "dashboard tick" in t]


d = chromium(PROFILE)
errors = []
try:
    d.get(f"{BASE}/ui/job.html?id={JOB}")
    try:
        # The guest boots in a few seconds and ticks until enough().
        WebDriverWait(d, 120, poll_frequency=0.1).until(lambda _: ticks())
        first, running = len(ticks()), state() == "running"
        check("console: the guest's line shows while the job runs", running,
              f"state {state()} when the first tick showed")
        WebDriverWait(d, 30, poll_frequency=0.1).until(lambda _: len(ticks()) > first)
        check("console: more lines follow without a reload", state() == "running")
        d.save_screenshot(os.path.join(SHOTS, "job-console-live.png"))
    except TimeoutException:
        check("console: the guest's line shows while the job runs", False, f"ticks: {ticks()}")
    enough()
    WebDriverWait(d, 120).until(lambda _: state() == "done")
    WebDriverWait(d, 30).until(lambda _: any("done" in t for t in texts("[data-fact='state']")))
    shown = ticks()
    count = [int(m.group(1)) for t in shown for m in [re.search(r"dashboard ticks: (\d+)", t)] if m]
    numbers = [int(m.group(1)) for t in shown for m in [re.search(r"dashboard tick (\d+)", t)] if m]
    check("console: every tick is there once the job is done",
          len(count) == 1 and count[0] >= 8 and numbers == list(range(1, count[0] + 1)), str(shown)[-600:])
    WebDriverWait(d, 30).until(lambda _: texts("#tests > li"))
    check("results: the test is listed with its verdict", "ticks.sh" in texts("#tests > li")[0])
    d.save_screenshot(os.path.join(SHOTS, "job-console-done.png"))
    errors = severe_log(d, lambda m: "/v1/events" in m and "404" in m)
    check("no errors in the browser's console log", not errors, "; ".join(errors)[:600])
finally:
    d.quit()
