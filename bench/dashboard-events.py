"""dashboard-events.py -- PAGES readers of GET /v1/events, for bench/dashboard.

Usage: dashboard-events.py PORT PAGES READY-FILE END-FILE

Opens PAGES streams to http://127.0.0.1:PORT/v1/events at once (asyncio,
raw sockets, HTTP/1.1 chunked bodies decoded here), writes READY-FILE once
every stream has its opening comment, and reads until END-FILE exists and
no stream got anything for a second.  Then it checks each stream: the ids
it got are consecutive, with no gap and in order, from the first id any
stream saw to the last (all streams were open before the first event), and
prints one line of figures:

    streams N events E ids-missing M out-of-order O cut C seconds S \
        delivered-per-s R lag-max-ms L lag-p99-ms P spread-max-ms D reader-cpu-s U

lag: receive time minus the event's own time (a running job's `started` +
`elapsed_ms`; events without it, queued and slots, are left out), in the
first 10 streams, so it includes pkvmd's publishing and the readers' own
delay on a busy 2-core machine; spread: for one id, its last receipt minus
its first, across streams; reader-cpu-s: this reader's CPU time from the
first event to the end (when it nears the seconds, the reader is what
lags).
"""
import asyncio
import datetime
import json
import os
import re
import sys
import time


class Stream:
    def __init__(self, timed):
        self.timed = timed  # whether to take the lag of its events
        self.ids = []  # (id, receive time)
        self.lags = []
        self.opened = asyncio.Event()
        self.last = time.monotonic()
        self.reset = False
        self.closed = False


ID = re.compile(rb"^id: ?(\d+)\r?$", re.M)
# A running job's event: its own time is started + elapsed_ms.
TIMED = re.compile(rb'"state":"running".*?"started":"([^"]+)".*?"elapsed_ms":(\d+)')


def at(started, elapsed_ms):
    t = datetime.datetime.strptime(started.decode(), "%Y-%m-%dT%H:%M:%S.%fZ")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp() + int(elapsed_ms) / 1000


def on_events(st, text):
    """Complete events (TEXT ends with a blank line), received now."""
    now = time.time()
    st.ids.extend((int(i), now) for i in ID.findall(text))
    if b"event: reset" in text:
        st.reset = True
    if st.timed:
        st.lags.extend(now - at(s, e) for s, e in TIMED.findall(text))


async def read_stream(port, st):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(f"GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode())
    await w.drain()
    head = await r.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError("events: " + head.split(b"\r\n")[0].decode())
    chunked = b"transfer-encoding: chunked" in head.lower()
    buf = b""
    try:
        while True:
            if chunked:
                size = int((await r.readuntil(b"\r\n")).strip(), 16)
                if size == 0:
                    break
                data = (await r.readexactly(size + 2))[:-2]
            else:
                data = await r.read(65536)
                if not data:
                    break
            st.last = time.monotonic()
            buf += data
            end = buf.rfind(b"\n\n")
            if end < 0:
                continue
            text, buf = buf[:end + 2], buf[end + 2:]
            if not st.opened.is_set() and b": pkvmd events" in text:
                st.opened.set()
            on_events(st, text)
        st.closed = True  # the server ended it
    except (asyncio.IncompleteReadError, ConnectionError):
        st.closed = True
    finally:
        w.close()


def pct(xs, p):
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


# Streams whose events' lag is taken (parsing every event's time in all of
# them would make this reader, not pkvmd, what is measured).
TIMED_STREAMS = 10


async def main():
    port, pages, ready, end = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    streams = [Stream(i < TIMED_STREAMS) for i in range(pages)]
    tasks = [asyncio.create_task(read_stream(port, s)) for s in streams]
    await asyncio.wait_for(asyncio.gather(*(s.opened.wait() for s in streams)), 30)
    cpu0 = sum(os.times()[:2])
    open(ready, "w").close()
    while not os.path.exists(end):
        await asyncio.sleep(0.1)
    while time.monotonic() - max(s.last for s in streams) < 1.0:
        await asyncio.sleep(0.1)
    cpu = sum(os.times()[:2]) - cpu0
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    all_ids = [i for s in streams for i, _ in s.ids]
    lo, hi = (min(all_ids), max(all_ids)) if all_ids else (0, -1)
    want = hi - lo + 1
    missing = out_of_order = cut = 0
    first, last = {}, {}
    for s in streams:
        got = [i for i, _ in s.ids]
        out_of_order += sum(1 for a, b in zip(got, got[1:]) if b != a + 1 and b <= a)
        missing += want - len(set(got))
        cut += s.reset or s.closed
        for i, at in s.ids:
            first[i] = min(first.get(i, at), at)
            last[i] = max(last.get(i, at), at)
    times = [at for s in streams for _, at in s.ids]
    secs = max(times) - min(times) if times else 0
    lags = [x for s in streams for x in s.lags]
    spread = [last[i] - first[i] for i in first]
    print(f"streams {pages} events {want} ids-missing {missing} out-of-order {out_of_order} "
          f"cut {cut} seconds {secs:.2f} delivered-per-s {len(times) / secs if secs else 0:.0f} "
          f"lag-max-ms {max(lags, default=0) * 1000:.1f} lag-p99-ms {pct(lags, 99) * 1000:.1f} "
          f"spread-max-ms {max(spread, default=0) * 1000:.1f} reader-cpu-s {cpu:.1f}")


asyncio.run(main())
