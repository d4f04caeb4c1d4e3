// util.js -- small helpers every page uses: building elements, formatting
// times and sizes, result badges.  No framework: h() is the whole of it.

// An element TAG with ATTRS (on* keys are listeners, others attributes,
// `text` its text) and CHILDREN (nodes, strings, arrays, null skipped).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

// Replace the children of EL (or of the element with id EL) with CHILDREN.
export function fill(el, ...children) {
  if (typeof el === 'string') el = document.getElementById(el);
  el.replaceChildren();
  append(el, children);
  return el;
}

// "3 m 12 s" for MS milliseconds.
export function duration(ms) {
  if (ms === null || ms === undefined || isNaN(ms)) return '';
  let s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  s %= 60;
  if (m < 60) return `${m} m ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} m`;
}

// An API time (RFC 3339) as local "YYYY-MM-DD HH:MM:SS", '' for null.
export function when(t) {
  if (!t) return '';
  const d = new Date(t);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// A <time> element for API time T.
export function timeEl(t) {
  return t ? h('time', { datetime: t, title: t }, when(t)) : '';
}

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  const u = ['KiB', 'MiB', 'GiB', 'TiB'];
  let i = -1;
  do { n /= 1024; i++; } while (n >= 1024 && i < u.length - 1);
  return `${n.toFixed(1)} ${u[i]}`;
}

// A badge for a job's result, or its state while it has none.
export function badge(job) {
  const word = job.result || job.state;
  return h('span', { class: `badge b-${word}` }, word);
}

// A badge for a test's verdict.
export function verdict(v) {
  return h('span', { class: `badge v-${v}` }, v);
}

// A badge for a result that both passed and failed on its job's kernel and
// test files (GET /v1/jobs/ID/results' `flaky`), or '' for one that did not.
export function flaky(f) {
  if (!f) return '';
  return h('span', { class: 'badge flaky', title: `on this kernel with these test files: passed ${f.passes}, failed ${f.fails}` },
    `flaky ${f.passes}/${f.passes + f.fails}`);
}

export function pct(hit, total) {
  return total ? `${((100 * hit) / total).toFixed(1)} %` : '–';
}

export function jobLink(id, text) {
  return h('a', { href: `/ui/job.html?id=${id}` }, text || `#${id}`);
}

// The page's query parameter NAME, or null.
export function param(name) {
  return new URLSearchParams(location.search).get(name);
}

// Show MSG in the page's status line (role=status, so it is read out).
export function status(msg, isError) {
  const el = document.getElementById('status');
  if (!el) return;
  el.textContent = msg || '';
  el.className = isError ? 'error' : '';
}
