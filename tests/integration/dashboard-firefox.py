#!/usr/bin/env python3
"""Browser checks of the dashboard in Firefox (tests/integration/
dashboard-firefox.sh runs it).

Drives Debian's firefox-esr, headless, over WebDriver BiDi with
tests/firefox_bidi.py (no geckodriver), against the pkvmd the shell script
started, on loopback only.  What the pages show is read with DOM queries
evaluated in the page (script.evaluate) and compared with the REST API.
Each check prints one line, "PASS name" or "FAIL name -- why", which the
shell turns into TAP.  Screenshots go to SHOTS as firefox-*.png, next to
the chromium ones.  Every wait is on the page's own state, with a deadline.

Arguments: BASE_URL SHOTS_DIR PROFILE_DIR JOBS_JSON, as for dashboard.py
(tests/dashboard-jobs.sh makes them).
"""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from firefox_bidi import Firefox  # noqa: E402

BASE, SHOTS, PROFILE, JOBS = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])


def out(status, name, why=""):
    print(f"{status} {name}" + (f" -- {why}" if why else ""), flush=True)


def check(name, cond, why=""):
    out("PASS" if cond else "FAIL", name, "" if cond else why)


def api(path):
    with urllib.request.urlopen(BASE + path, timeout=30) as r:
        return json.load(r)


def console_lines(job):
    with urllib.request.urlopen(BASE + f"/v1/jobs/{job}/console", timeout=30) as r:
        return len(r.read().decode().split("\n")) - 1


# A SIGTERM (meson's timeout) still runs the finally below, which ends
# the browser.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

ff = Firefox(PROFILE)
errors = []


def load(path, ready_css, timeout=15):
    """Open PATH and wait until READY_CSS matches something."""
    errors.extend(ff.new_errors())
    ff.get(BASE + path)
    if not ff.wait("return document.querySelectorAll(args[0]).length", ready_css, timeout=timeout):
        raise AssertionError(f"{path}: nothing matched {ready_css} after {timeout} s")


def shot(name):
    ff.screenshot(os.path.join(SHOTS, f"firefox-{name}.png"))


try:
    # --- overview: the finished jobs are the API's ---------------------------
    want = [j["id"] for j in api("/v1/jobs?state=done&limit=25")["jobs"]]
    load("/", "#done tbody tr[data-job]")
    got = ff.wait("""const ids = [...document.querySelectorAll('#done tbody tr[data-job]')]
                       .map((r) => Number(r.dataset.job));
                     return ids.length >= args[0] ? ids : null;""", len(want)) or []
    check("overview: the finished jobs' table lists the API's jobs, newest first", got == want,
          f"page {got}, API {want}")
    badge = ff.js("""const b = document.querySelector(`#done tr[data-job="${args[0]}"] .badge`);
                     return b && b.textContent;""", JOBS["fail"])
    check("overview: the failed job has its badge", badge == "failed", repr(badge))
    check("overview: the running job has a card with a progress bar",
          ff.wait("return !!document.querySelector(`#run-${args[0]} progress`)", JOBS["hang"]))
    shot("overview")

    # --- a job submitted with pkvmctl appears without a reload ---------------
    ff.js("window.__marker = 1")
    new_id = subprocess.run(JOBS["submit"], check=True, capture_output=True, text=True).stdout.strip()
    t0 = time.monotonic()
    seen = ff.wait("return !!document.querySelector(`[data-job=\"${args[0]}\"]`)", new_id, timeout=5)
    took = time.monotonic() - t0
    marker = ff.js("return window.__marker")
    check("overview: a job submitted with pkvmctl appears within 5 s, without a reload",
          seen and marker == 1, f"shown: {bool(seen)} after {took:.2f} s, page kept: {marker == 1}")
    done = ff.wait("return !!document.querySelector(`#done tr[data-job=\"${args[0]}\"]`)", new_id, timeout=30)
    check("overview: and it moves to the finished jobs when it ends", done)
    shot("overview-live")

    # --- job page: results (a failed test first) and console lines -----------
    load(f"/ui/job.html?id={JOBS['fail']}", "#tests > li")
    first = ff.js("""const li = document.querySelector('#tests > li');
                     return {verdict: li.dataset.verdict,
                             name: li.querySelector('.test-name').textContent};""")
    check("job: a failed test is listed first", first == {"verdict": "fail", "name": "b"}, str(first))
    n = console_lines(JOBS["fail"])
    shown = ff.wait("""const n = document.querySelectorAll('#console .l').length;
                       return n >= args[0] && !document.getElementById('console-live').textContent ? n : 0;""",
                    n) or 0
    check("job: the console shows every line of the API's console", shown == n, f"{shown} vs {n}")
    text = ff.js("return document.querySelector('#console').textContent")
    check("job: the console's lines are the guest's", "fake-qemu" in text, text[:200])
    shot("job-failed")

    # --- crashes page --------------------------------------------------------
    title = api(f"/v1/jobs/{JOBS['crash']}/crashes")["crashes"][0]["title"]
    load("/ui/crashes.html", "#groups td.crash-title")
    titles = ff.js("return [...document.querySelectorAll('#groups td.crash-title')].map((e) => e.textContent)")
    check("crashes: the crash title is listed", title in titles, f"{titles} vs {title!r}")
    shot("crashes")

    # One more round trip, so that every log entry of the pages is in.
    ff.js("return 1")
    errors.extend(ff.new_errors())
    check("no errors in the browser's console log", not errors, "; ".join(errors)[:600])
except Exception as e:  # noqa: BLE001 -- reported as a check, the browser still ends
    out("FAIL", "the firefox checks ran to their end", f"{type(e).__name__}: {e}")
finally:
    ff.close()
