// events.js -- the server-sent-events stream GET /v1/events, read with
// fetch() rather than EventSource, because EventSource cannot send the
// Authorization header a token-only server needs.
//
// The stream is parsed as text/event-stream (event:, data:, id: lines, a
// blank line ends an event).  When it ends or breaks, the page reconnects
// with ?since=<last id> and so resumes where it left off; a server that no
// longer has those events sends `event: reset`, and the page reloads its
// state from the REST API.  A server without the endpoint (404) gets no
// reconnects: the page then shows what the REST API said at load.
import { token } from './api.js';

// Subscribe to QUERY (e.g. "job=42", or "") with HANDLERS: {job(data),
// slots(data), reset(), open(), unsupported()}.  Returns a function that
// stops it.
//
// A page put in the back-forward cache closes its stream (pagehide) and
// resumes it from the last id when shown again (pageshow): a browser opens
// at most 6 HTTP/1.1 connections to one server, and the streams of cached
// pages would hold them, so that the 6th page waits for a free one
// (bench/dashboard saw the overview's 6th load take a minute).
export function subscribe(query, handlers) {
  let last = null;
  let stopped = false;
  let hidden = false;
  let running = false;
  let ctl = null;
  let delay = 500;

  const quit = () => stopped || hidden;
  window.addEventListener('pagehide', () => { hidden = true; if (ctl) ctl.abort(); });
  window.addEventListener('pageshow', () => {
    // Without an id to resume from, what happened while hidden is lost:
    // the page reloads its state, as after a reset.
    if (hidden && last === null && !stopped && handlers.reset) handlers.reset();
    hidden = false;
    if (!running && !stopped) run();
  });

  async function run() {
    running = true;
    try { await loop(); } finally { running = false; }
  }

  async function loop() {
    while (!quit()) {
      const q = new URLSearchParams(query || '');
      if (last !== null) q.set('since', last);
      const hd = { Accept: 'text/event-stream' };
      const t = token();
      if (t) hd.Authorization = `Bearer ${t}`;
      ctl = new AbortController();
      let r;
      try {
        r = await fetch(`/v1/events${q.toString() ? '?' + q : ''}`, { headers: hd, signal: ctl.signal });
      } catch (e) {
        if (quit()) return;
        await sleep(delay);
        delay = Math.min(delay * 2, 10000);
        continue;
      }
      if (r.status === 404 || r.status === 405) {
        stopped = true;
        if (handlers.unsupported) handlers.unsupported();
        return;
      }
      if (!r.ok) {
        // 401/403: the user must give a token; the REST calls say so.
        stopped = true;
        if (handlers.unsupported) handlers.unsupported(r.status);
        return;
      }
      delay = 500;
      if (handlers.open) handlers.open();
      try {
        await read(r, (ev) => {
          if (ev.id !== null) last = ev.id;
          const fn = handlers[ev.event];
          if (!fn) return;
          let data = null;
          try { data = ev.data ? JSON.parse(ev.data) : null; } catch (_) { return; }
          fn(data);
        });
      } catch (_) { /* broken: reconnect below */ }
      if (quit()) return;
      await sleep(delay);
    }
  }
  run();
  return () => { stopped = true; if (ctl) ctl.abort(); };
}

function sleep(ms) {
  return new Promise((res) => setTimeout(res, ms));
}

async function read(r, onEvent) {
  const reader = r.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  let ev = { event: 'message', data: '', id: null };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += dec.decode(value, { stream: true });
    let nl;
    while ((nl = buf.search(/\r\n|\n|\r/)) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + (buf.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (ev.data !== '' || ev.event !== 'message') {
          if (ev.data.endsWith('\n')) ev.data = ev.data.slice(0, -1);
          onEvent(ev);
        }
        ev = { event: 'message', data: '', id: null };
        continue;
      }
      if (line.startsWith(':')) continue; // a comment: keep-alive
      const c = line.indexOf(':');
      const field = c < 0 ? line : line.slice(0, c);
      let v = c < 0 ? '' : line.slice(c + 1);
      if (v.startsWith(' ')) v = v.slice(1);
      if (field === 'event') ev.event = v;
      else if (field === 'data') ev.data += v + '\n';
      else if (field === 'id') ev.id = v;
    }
  }
}
