"""Headless Firefox for the dashboard's browser tests, driven over WebDriver
BiDi (https://w3c.github.io/webdriver-bidi/) with no geckodriver: Debian
ships firefox-esr but not geckodriver, and Firefox serves BiDi itself on
--remote-debugging-port.  Used by tests/integration/dashboard-firefox.py.

Only Debian's python3-websockets and the standard library.  The python3
websockets of Debian 12 (10.x) has no synchronous client, so one asyncio
loop runs in a thread and the methods here wait on it, each with a
deadline.

Loopback only: the profile sends every request through a proxy at
127.0.0.1:9 where nothing listens, except those to 127.0.0.1, so a page
(or Firefox itself) reaching for any other host fails at once.  A private
profile directory: HOME is not touched.
"""
import asyncio
import base64
import json
import os
import re
import signal
import subprocess
import threading
import time

import websockets

PREFS = {
    # Loopback only (see above), and none of Firefox's own traffic.
    "network.proxy.type": 1,
    "network.proxy.http": "127.0.0.1",
    "network.proxy.http_port": 9,
    "network.proxy.ssl": "127.0.0.1",
    "network.proxy.ssl_port": 9,
    "network.proxy.share_proxy_settings": True,
    "network.proxy.no_proxies_on": "127.0.0.1",
    "network.proxy.allow_hijacking_localhost": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "app.update.disabledForTesting": True,
    "app.normandy.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.page": 0,
    "browser.startup.homepage_override.mstone": "ignore",
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
}

LISTENING = re.compile(r"WebDriver BiDi listening on (ws://\S+)")


class BidiError(Exception):
    pass


class Firefox:
    """One headless firefox-esr with its profile in PROFILE_DIR, one BiDi
    session, one browsing context (its first tab), and the log entries it
    reported.  close() always ends the browser and its child processes."""

    def __init__(self, profile_dir, width=1280, height=1000, binary="firefox-esr", start_timeout=60):
        os.makedirs(profile_dir, exist_ok=True)
        with open(os.path.join(profile_dir, "user.js"), "w") as f:
            for k, v in PREFS.items():
                f.write(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n")
        self.log = []        # every log.entryAdded's params, in order
        self._seen = 0       # log entries already returned by new_errors()
        self._next_id = 0
        self._pending = {}
        self._ws = None
        self._loop = None
        self.stderr_tail = []
        env = dict(os.environ, MOZ_HEADLESS="1", MOZ_CRASHREPORTER_DISABLE="1",
                   MOZ_REMOTE_SETTINGS_DEVTOOLS="1", TMPDIR=profile_dir)
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        # The same process group as this script: whatever stops the test
        # (meson's timeout kills the group) stops the browser too.
        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-remote", "--profile", profile_dir,
             "--remote-debugging-port=0", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env=env, text=True, errors="replace")
        try:
            url = self._wait_listening(start_timeout)
            self._start_loop()
            self._run(self._connect(url + "/session"), 30)
            self.send("session.new", {"capabilities": {}})
            self.send("session.subscribe", {"events": ["log.entryAdded"]})
            tree = self.send("browsingContext.getTree", {"maxDepth": 0})
            self.context = tree["contexts"][0]["context"]
            self.set_size(width, height)
        except BaseException:
            self.close()
            raise

    # --- the process ----------------------------------------------------

    def _wait_listening(self, timeout):
        """Read Firefox's stderr until it says where BiDi listens (port 0:
        it picks a free one); keep reading it after, into stderr_tail."""
        found = threading.Event()
        where = []

        def reader():
            for line in self.proc.stderr:
                self.stderr_tail = (self.stderr_tail + [line.rstrip()])[-20:]
                m = LISTENING.search(line)
                if m and not found.is_set():
                    where.append(m.group(1))
                    found.set()
            found.set()  # stderr closed: firefox is gone

        threading.Thread(target=reader, daemon=True).start()
        if not found.wait(timeout) or not where:
            raise BidiError(f"firefox did not start BiDi within {timeout} s: "
                            + " | ".join(self.stderr_tail[-5:]))
        return where[0]

    def _descendants(self):
        """The pids of the browser's child processes (content processes)."""
        children = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d))
        out, todo = [], [self.proc.pid]
        while todo:
            for c in children.get(todo.pop(), []):
                out.append(c)
                todo.append(c)
        return out

    def close(self):
        if self._ws is not None and self._loop is not None:
            try:
                self.send("session.end", {}, timeout=5)
            except Exception:
                pass
            try:
                self._run(self._ws.close(), 5)
            except Exception:
                pass
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self.proc.poll() is None:
            kids = self._descendants()
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(15)
            for pid in kids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    # --- the protocol ----------------------------------------------------

    def _start_loop(self):
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, daemon=True).start()

    def _run(self, coro, timeout):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _connect(self, url):
        # No proxy, no origin: the BiDi server refuses an unexpected Origin.
        self._ws = await websockets.connect(url, max_size=64 << 20, ping_interval=None,
                                            open_timeout=20)
        self._loop.create_task(self._read())

    async def _read(self):
        try:
            async for raw in self._ws:
                msg = json.loads(raw)
                if msg.get("type") == "event":
                    if msg.get("method") == "log.entryAdded":
                        self.log.append(msg["params"])
                    continue
                fut = self._pending.pop(msg.get("id"), None)
                if fut is not None and not fut.done():
                    fut.set_result(msg)
        finally:
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(BidiError("the BiDi connection closed"))
            self._pending.clear()

    async def _send(self, method, params):
        self._next_id += 1
        fut = self._loop.create_future()
        self._pending[self._next_id] = fut
        await self._ws.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        return await fut

    def send(self, method, params, timeout=30):
        """One command; its result, or BidiError with the browser's error."""
        msg = self._run(self._send(method, params), timeout)
        if msg.get("type") == "error":
            raise BidiError(f"{method}: {msg.get('error')}: {msg.get('message')}")
        return msg.get("result")

    # --- what the tests use ----------------------------------------------

    def set_size(self, width, height):
        self.send("browsingContext.setViewport",
                  {"context": self.context, "viewport": {"width": width, "height": height}})

    def get(self, url):
        """Navigate and wait for the load event."""
        self.send("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"}, 60)

    def js(self, body, *args):
        """Run BODY (a function body; `return` its value, which may be a
        promise) in the page with ARGS as `args`; its value, through JSON."""
        expr = ("(async (args) => { %s })(%s).then(v => JSON.stringify(v === undefined ? null : v))"
                % (body, json.dumps(list(args))))
        r = self.send("script.evaluate", {"expression": expr, "target": {"context": self.context},
                                          "awaitPromise": True, "resultOwnership": "none"})
        if r.get("type") == "exception":
            d = r.get("exceptionDetails", {})
            raise BidiError(f"page script threw: {d.get('text')}")
        return json.loads(r["result"]["value"])

    def wait(self, body, *args, timeout=15, every=0.05):
        """js(BODY, *ARGS) until its value is truthy; that value, or None
        after TIMEOUT seconds."""
        deadline = time.monotonic() + timeout
        while True:
            v = self.js(body, *args)
            if v or time.monotonic() >= deadline:
                return v or None
            time.sleep(every)

    def screenshot(self, path):
        r = self.send("browsingContext.captureScreenshot", {"context": self.context}, 60)
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))

    def new_errors(self, ignore=lambda text: False):
        """The text of each error-level log entry (console.error, uncaught
        exceptions) since the last call."""
        new, self._seen = self.log[self._seen:], len(self.log)
        return [e.get("text") or "" for e in new
                if e.get("level") == "error" and not ignore(e.get("text") or "")]
