"""dashboard-page.py -- time to a complete overview page, for bench/dashboard.

Usage: dashboard-page.py URL LOADS PROFILE-DIR

Loads the overview LOADS times in one headless Chromium (tests/browser.py:
Debian's chromium and chromium-driver, loopback only), the first with an
empty cache, and prints for each load one line

    load I ready-ms R dcl-ms D rows N

ready-ms: from navigation start to the page's mark "overview-ready" (set
when its first render of slots, users, running, queue and finished is
complete; ui/overview.js); dcl-ms: to DOMContentLoaded; rows: the finished
table's rows (a check that the page did fill it).
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from browser import chromium  # noqa: E402

url, loads, profile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
d = chromium(profile)
try:
    for i in range(loads):
        d.get("about:blank")
        d.get(url)
        deadline = time.monotonic() + 120
        while True:
            ready = d.execute_script("return document.body && document.body.dataset.ready")
            if ready:
                break
            if time.monotonic() > deadline:
                raise SystemExit("the overview never became ready")
            time.sleep(0.02)
        if ready != "1":
            raise SystemExit("the overview says: " + d.find_element("id", "status").text)
        ms, dcl, rows = d.execute_script("""
            const m = performance.getEntriesByName('overview-ready')[0];
            const n = performance.getEntriesByType('navigation')[0];
            return [m.startTime, n.domContentLoadedEventEnd,
                    document.querySelectorAll('#done tbody tr[data-job]').length];""")
        print(f"load {i + 1} ready-ms {ms:.1f} dcl-ms {dcl:.1f} rows {rows}", flush=True)
        if ms > 2000:  # say what took the time
            for name, start, end in d.execute_script("""
                    return performance.getEntriesByType('resource')
                      .map((r) => [r.name, r.startTime, r.responseEnd]);"""):
                if end - start > 500:
                    print(f"  load {i + 1}: {name} from {start:.0f} ms to {end:.0f} ms",
                          file=sys.stderr)
finally:
    d.quit()
