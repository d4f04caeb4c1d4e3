// api.js -- the REST API as the pages use it, and the token.
//
// The token is kept in sessionStorage (gone when the tab closes) and sent as
// `Authorization: Bearer` on every request.  Reads without one work when the
// server runs with --public-read (or on the Unix socket); a 401 asks for it.
// Actions (cancel, resubmit) ask for it before they are sent: the page
// refuses them itself when there is none, and the server's 401/403 is shown.
import { h, status } from './util.js';

const KEY = 'pkvmd-token';

export function token() {
  return sessionStorage.getItem(KEY) || '';
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function headers(extra) {
  const hd = Object.assign({}, extra || {});
  const t = token();
  if (t) hd.Authorization = `Bearer ${t}`;
  return hd;
}

async function check(r) {
  if (r.ok) return r;
  let code = 'http', msg = `${r.status} ${r.statusText}`;
  try {
    const e = (await r.json()).error;
    code = e.code;
    msg = e.message;
  } catch (_) { /* not one of ours */ }
  if (r.status === 401) askToken(`the server wants a token: ${msg}`);
  throw new ApiError(r.status, code, msg);
}

// GET (or OPTS.method) PATH and parse the JSON answer; throws ApiError.
export async function api(path, opts = {}) {
  const init = { method: opts.method || 'GET', headers: headers(), signal: opts.signal };
  if (opts.body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  const r = await check(await fetch(path, init));
  return r.status === 204 ? null : r.json();
}

// GET PATH as text; throws ApiError.
export async function apiText(path) {
  return (await check(await fetch(path, { headers: headers() }))).text();
}

// GET PATH as a stream, calling ONCHUNK(text) as bytes arrive; resolves at
// the end of the body.  SIGNAL aborts it.
export async function apiStream(path, onChunk, signal) {
  const r = await check(await fetch(path, { headers: headers(), signal }));
  const reader = r.body.getReader();
  const dec = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    onChunk(dec.decode(value, { stream: true }), r);
  }
  const tail = dec.decode();
  if (tail) onChunk(tail, r);
  return r;
}

// Download PATH as a file named NAME, with the token.
export async function download(path, name) {
  const r = await check(await fetch(path, { headers: headers() }));
  const url = URL.createObjectURL(await r.blob());
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// Whether there is a token for an action; when not, says so and opens the
// token form.  The server checks scopes and ownership anyway.
export function requireToken(what) {
  if (token()) return true;
  status(`${what} needs a token: give one (button "Token" at the top)`, true);
  askToken(`${what} needs a token`);
  return false;
}

let whoami = null;

// Who the token (or the connection) is, from GET /v1/whoami; cached.
export async function who() {
  if (!whoami) whoami = await api('/v1/whoami').catch(() => ({}));
  return whoami;
}

function askToken(why) {
  const d = document.getElementById('token-dialog');
  if (!d) return;
  document.getElementById('token-why').textContent = why || '';
  if (!d.open) d.showModal();
}

// Put the token button and its dialog in the page header.
export function initHeader() {
  const slot = document.getElementById('auth');
  if (!slot) return;
  const input = h('input', { type: 'password', id: 'token-input', autocomplete: 'off',
    placeholder: 'pkvm_...', 'aria-label': 'bearer token', size: 40 });
  const dialog = h('dialog', { id: 'token-dialog', 'aria-labelledby': 'token-title' },
    h('form', { method: 'dialog', onsubmit: (e) => {
      const t = input.value.trim();
      if (e.submitter && e.submitter.value === 'forget') sessionStorage.removeItem(KEY);
      else if (t) sessionStorage.setItem(KEY, t);
      input.value = '';
      location.reload();
    } },
      h('h2', { id: 'token-title' }, 'Token'),
      h('p', { id: 'token-why' }),
      h('p', {}, 'A bearer token (pkvmctl token create) for this tab only, kept in its ' +
        'session storage.'),
      input,
      h('p', { class: 'buttons' },
        h('button', { type: 'submit', value: 'save' }, 'Use token'),
        h('button', { type: 'submit', value: 'forget', formnovalidate: true }, 'Forget token'),
        h('button', { type: 'button', onclick: () => dialog.close() }, 'Close'))));
  const label = h('span', { id: 'who' }, token() ? 'token set' : 'no token');
  slot.replaceChildren(label, ' ',
    h('button', { type: 'button', id: 'token-button', onclick: () => askToken('') }, 'Token'),
    dialog);
  who().then((w) => {
    if (w && w.user) label.textContent = `${w.user} (${(w.scopes || []).join(', ')})`;
  });
}
