// job.js -- one job: summary and actions, crash reports, the results tree,
// the console (streamed live while the job runs), timeline, artifacts,
// coverage and the qemu command.
//
// The console comes from GET /v1/jobs/ID/console?follow=1 read with fetch()
// streaming, so lines appear as the guest prints them; each line is an
// element with id "L<n>" and a link to it (#L123), lines of crash reports
// are marked, and search moves between matching lines.  The job's own
// events (GET /v1/events?job=ID) update its state and progress; when it is
// done the other sections are loaded again.
import { api, apiStream, apiText, download, initHeader, requireToken, ApiError } from './api.js';
import { newState, render } from './ansi.js';
import { coverageTables } from './covtable.js';
import { subscribe } from './events.js';
import { h, fill, badge, verdict, flaky, duration, timeEl, bytes, param, status } from './util.js';

const id = Number(param('id'));
let job = null;

// ---- summary and actions --------------------------------------------------

function drawSummary(progress) {
  fill('title', `Job ${job.id} `, badge(job));
  document.title = `Job ${job.id} · pkvmd`;
  const t = job.tests || {};
  const facts = [
    ['owner', job.owner], ['via', job.via || ''],
    ['state', job.state + (progress && job.state === 'running' ? ` (${phaseText(progress)})` : '')],
    ['message', job.message || ''],
    ['tests', `${t.passed || 0} passed, ${t.failed || 0} failed, ${t.total || 0} in all`],
    ['tags', (job.tags || []).map((x) => h('a', { href: `/?tag=${encodeURIComponent(x)}` }, x, ' '))],
    ['created', timeEl(job.created)], ['started', timeEl(job.started)],
    ['finished', timeEl(job.finished)],
    ...(job.kind === 'payload'
      // A payload job (docs/PAYLOADS.md) boots its payloads, no kernel.
      ? [['payloads', (job.payloads || []).map((p) => h('div', {}, h('code', {}, p.name),
        ` ${p.format}, smp ${p.smp}`, p.append ? [' ', h('code', {}, p.append)] : ''))]]
      : [['kernel', h('code', {}, job.kernel)], ['cmdline', h('code', {}, job.cmdline || '')]]),
    ['smp / mem', `${job.smp} / ${job.mem} MiB`],
    ['timeout', `${job.timeout} s (idle ${job.idle_timeout} s)`],
    ['priority', job.priority], ['attempt', String(job.attempt)],
  ];
  if (job.pruned) facts.push(['pruned', timeEl(job.pruned)]);
  fill('summary', h('dl', { class: 'facts' },
    facts.map(([k, v]) => [h('dt', {}, k), h('dd', { 'data-fact': k }, v)])));
  document.getElementById('cancel').hidden = job.state === 'done';
}

function phaseText(p) {
  if (p.test) return `test ${p.test.index} of ${p.test.total}: ${p.test.name}`;
  return p.phase;
}

async function cancel() {
  if (!requireToken('cancelling')) return;
  try {
    job = await api(`/v1/jobs/${id}/cancel`, { method: 'POST' });
    drawSummary();
    status(`job ${id} is being cancelled`);
  } catch (e) {
    status(`cannot cancel: ${e.message}`, true);
  }
}

// The fields of POST /v1/jobs the job object gives back as they were sent.
const RESUBMIT = ['kernel', 'vmlinux', 'smp', 'mem', 'append', 'timeout', 'idle_timeout', 'tags',
  'coverage', 'uefi', 'net', 'qemu_args', 'priority', 'test_timeout', 'fail_on_warn', 'modules',
  'build_dir', 'gcov_tool', 'coverage_paths', 'root', 'keep_disk'];

// What a payload job gives back: no kernel, and nothing that goes with one.
const PAYLOAD_RESUBMIT = ['smp', 'mem', 'timeout', 'idle_timeout', 'tags', 'qemu_args', 'priority',
  'test_timeout'];

async function resubmit() {
  if (!requireToken('resubmitting')) return;
  if (job.extra_entries > 0) {
    status('this job has --extra files, which the API does not give back: resubmit it with pkvmctl', true);
    return;
  }
  const body = {};
  if (job.kind === 'payload') {
    for (const k of PAYLOAD_RESUBMIT) if (job[k] !== null && job[k] !== undefined) body[k] = job[k];
    body.payloads = (job.payloads || []).map((p) => ({
      name: p.name, blob: p.blob, smp: p.smp, mem: p.mem, append: p.append, machine: p.machine,
      groups: p.groups, timeout: p.timeout,
    }));
  } else {
    for (const k of RESUBMIT) if (job[k] !== null && job[k] !== undefined) body[k] = job[k];
  }
  if (job.kind !== 'payload') body.executables = (job.executables || []).map((x) => {
    const e = { name: x.name, blob: x.blob, mode: x.mode };
    if (x.args && x.args.length) e.args = x.args;
    if (x.env && Object.keys(x.env).length) e.env = x.env;
    if (x.timeout) e.timeout = x.timeout;
    return e;
  });
  // A disk comes back with what the server read of it (format, size).
  if (job.disks && job.disks.length) body.disks = job.disks.map((d) => ({ blob: d.blob, readonly: d.readonly }));
  try {
    const j = await api('/v1/jobs', { method: 'POST', body });
    location.href = `/ui/job.html?id=${j.id}`;
  } catch (e) {
    status(`cannot resubmit: ${e.message}`, true);
  }
}

// ---- console --------------------------------------------------------------

const con = {
  el: null, n: 0, partial: '', ansi: newState(), plain: [], crash: [], hits: [], cur: -1,
};

function lineEl(n, text) {
  const r = render(text, con.ansi);
  con.plain[n] = r.plain;
  const el = h('span', { class: 'l', id: `L${n}` }, h('a', { class: 'n', href: `#L${n}`, tabindex: -1 }, n));
  el.append(r.frag);
  if (con.crash.some(([a, b]) => n >= a && n <= b)) el.classList.add('crash');
  if (query && r.plain.toLowerCase().includes(query)) { el.classList.add('hit'); con.hits.push(n); }
  return el;
}

function consoleText(text) {
  const parts = (con.partial + text).split('\n');
  con.partial = parts.pop();
  if (!parts.length) return;
  const stick = con.el.scrollTop + con.el.clientHeight >= con.el.scrollHeight - 4;
  const frag = document.createDocumentFragment();
  for (const p of parts) frag.append(lineEl(++con.n, p.replace(/\r$/, '')));
  con.el.append(frag);
  if (stick && following) con.el.scrollTop = con.el.scrollHeight;
  if (query) countHits();
}

let following = false;

// A page kept in the back-forward cache must not hold its console stream
// open (a browser opens at most six connections to a server, and pages
// left that way stalled new ones): the stream closes when the page is
// hidden, and a page shown again after that is loaded afresh.
const consoleCtl = new AbortController();
window.addEventListener('pagehide', () => { if (following) consoleCtl.abort(); });
window.addEventListener('pageshow', (e) => {
  if (e.persisted && consoleCtl.signal.aborted) location.reload();
});

async function loadConsole() {
  con.el = document.getElementById('console');
  document.getElementById('raw').href = `/v1/jobs/${id}/console`;
  following = job.state !== 'done';
  const live = document.getElementById('console-live');
  if (following) live.textContent = '● following';
  try {
    await apiStream(`/v1/jobs/${id}/console${following ? '?follow=1' : ''}`, consoleText,
      consoleCtl.signal);
    if (con.partial) { con.el.append(lineEl(++con.n, con.partial.replace(/\r$/, ''))); con.partial = ''; }
  } catch (e) {
    if (e instanceof ApiError && e.code === 'pruned') fill(con.el, h('p', { class: 'muted' }, e.message));
    else if (!(e instanceof DOMException)) status(`console: ${e.message}`, true);
  }
  live.textContent = '';
  following = false;
  gotoHash();
}

function gotoHash() {
  const m = /^#L(\d+)$/.exec(location.hash);
  if (!m) return;
  const el = document.getElementById(`L${m[1]}`);
  if (el) { el.scrollIntoView({ block: 'center' }); el.classList.add('hit-current'); }
}

// ---- search ---------------------------------------------------------------

let query = '';

function countHits() {
  document.getElementById('search-count').textContent = query
    ? `${con.hits.length} matching line${con.hits.length === 1 ? '' : 's'}` : '';
}

function search() {
  query = document.getElementById('search').value.toLowerCase();
  con.hits = [];
  con.cur = -1;
  for (const el of con.el.querySelectorAll('.l.hit, .l.hit-current')) el.classList.remove('hit', 'hit-current');
  if (query) {
    for (let n = 1; n <= con.n; n++) {
      if (con.plain[n] && con.plain[n].toLowerCase().includes(query)) {
        con.hits.push(n);
        document.getElementById(`L${n}`).classList.add('hit');
      }
    }
  }
  con.el.classList.toggle('filtered', !!query && document.getElementById('search-only').checked);
  countHits();
}

function step(dir) {
  if (!con.hits.length) return;
  if (con.cur >= 0) document.getElementById(`L${con.hits[con.cur]}`).classList.remove('hit-current');
  con.cur = (con.cur + dir + con.hits.length) % con.hits.length;
  const el = document.getElementById(`L${con.hits[con.cur]}`);
  el.classList.add('hit-current');
  el.scrollIntoView({ block: 'center' });
  document.getElementById('search-count').textContent = `${con.cur + 1} of ${con.hits.length}`;
}

// ---- results, crashes -----------------------------------------------------

const BAD = { fail: 0, error: 0, timeout: 0, flaky: 1, running: 1, 'not-run': 2, skip: 3, pass: 4 };

// Failures first, then the rest in run order (sort is stable).
function failuresFirst(list) {
  return [...list].sort((a, b) => (BAD[a.verdict] ?? 2) - (BAD[b.verdict] ?? 2));
}

function subtree(subs) {
  return h('ul', { class: 'tree' }, failuresFirst(subs).map((s) => {
    const head = [verdict(s.verdict), ' ', s.flaky ? [flaky(s.flaky), ' '] : '', s.name,
      s.message ? h('span', { class: 'muted' }, ` — ${s.message}`) : '',
      s.line ? [' ', h('a', { href: `#L${s.line}` }, `line ${s.line}`)] : ''];
    if (!s.subtests || !s.subtests.length) return h('li', {}, head);
    return h('li', {}, h('details', { open: s.verdict === 'fail' }, h('summary', {}, head), subtree(s.subtests)));
  }));
}

async function loadResults() {
  const r = await api(`/v1/jobs/${id}/results`);
  if (!r.tests.length) { fill('results', h('p', { class: 'muted' }, 'no test results yet')); return r; }
  fill('results', h('ul', { class: 'tree top', id: 'tests' }, failuresFirst(r.tests).map((t) => {
    const head = [verdict(t.verdict), ' ', t.flaky ? [flaky(t.flaky), ' '] : '',
      h('strong', { class: 'test-name' }, t.name),
      t.duration !== null && t.duration !== undefined ? h('span', { class: 'muted' }, ` ${t.duration.toFixed(2)} s`) : '',
      t.message ? h('span', { class: 'muted' }, ` — ${t.message}`) : '',
      t.lines ? [' ', h('a', { href: `#L${t.lines[0]}`, class: 'console-link' }, 'console')] : '',
      (t.reruns || []).map((r) => [' ', h('a', { href: `#L${r.lines[0]}`, class: 'rerun' },
        verdict(r.verdict), ` rerun ${r.retry}`)])];
    const subs = t.subtests || [];
    if (!subs.length) return h('li', { 'data-verdict': t.verdict }, head);
    return h('li', { 'data-verdict': t.verdict },
      h('details', { open: t.verdict !== 'pass' }, h('summary', {}, head), subtree(subs)));
  })));
  return r;
}

async function loadCrashes() {
  const r = await api(`/v1/jobs/${id}/crashes`);
  const sec = document.getElementById('crashes-section');
  sec.hidden = !r.crashes.length;
  con.crash = r.crashes.map((c) => c.lines || [0, -1]);
  for (const [a, b] of con.crash)
    for (let n = a; n <= b; n++) { const el = document.getElementById(`L${n}`); if (el) el.classList.add('crash'); }
  fill('crashes', r.crashes.map((c) => h('article', { class: 'crash' },
    h('h3', { class: 'crash-title' }, c.title, ' ', h('span', { class: 'badge v-fail' }, c.kind),
      c.primary ? h('span', { class: 'muted' }, ' (the job\'s crash)') : ''),
    h('p', { class: 'muted' }, c.test ? `during ${c.test}` : 'outside any test',
      c.lines ? [' · ', h('a', { href: `#L${c.lines[0]}` }, `console lines ${c.lines[0]}–${c.lines[1]}`)] : '',
      ` · symbols: ${c.symbols}${c.symbols_message ? ` (${c.symbols_message})` : ''}`),
    h('pre', { class: 'report' }, c.symbolized || c.report))));
  return r;
}

// ---- artifacts, coverage, qemu, timeline ----------------------------------

async function loadArtifacts() {
  const r = await api(`/v1/jobs/${id}/artifacts`);
  if (!r.artifacts.length) { fill('artifacts', h('p', { class: 'muted' }, 'none')); return; }
  fill('artifacts', h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'name'), h('th', { class: 'num' }, 'size'), h('th', {}, 'status'))),
    h('tbody', {}, r.artifacts.map((a) => {
      const url = `/v1/jobs/${id}/artifact?name=${encodeURIComponent(a.name)}`;
      const name = a.status === 'ok'
        ? h('a', { href: url, download: a.path.split('/').pop(), onclick: (e) => {
          e.preventDefault();
          download(url, a.path.split('/').pop()).catch((x) => status(`download: ${x.message}`, true));
        } }, a.name)
        : a.name;
      return h('tr', {}, h('td', {}, name), h('td', { class: 'num' }, bytes(a.size)), h('td', {}, a.status));
    }))));
}

async function loadCoverage() {
  let c = await api(`/v1/jobs/${id}/coverage`);
  // Coverage is captured after the job is stored done: a long poll, not
  // a timer, brings it when it is there.
  if ((c.status === 'pending' || c.status === 'running') && job.state === 'done') {
    fill('coverage', h('p', { class: 'muted' }, `coverage: ${c.status}`));
    c = await api(`/v1/jobs/${id}/coverage?wait=120`);
  }
  if (c.status !== 'ok') {
    fill('coverage', h('p', { class: 'muted' }, `coverage: ${c.status}${c.message ? ` (${c.message})` : ''}`));
    return;
  }
  // genhtml's report, rendered by the server on the first visit (a few
  // seconds for a kernel) and kept.  A plain link, so the browser can
  // follow the report's own relative links; it carries no token, so it
  // opens where reads need none (--public-read) and answers 401 elsewhere.
  const report = job.pruned ? h('p', { class: 'muted' }, 'full report: pruned with the job\'s files')
    : h('p', {}, h('a', {
      href: `/v1/jobs/${id}/coverage/html/index.html`, target: '_blank', rel: 'noopener',
      class: 'cov-report',
    }, 'full report'), h('span', { class: 'muted' }, ' (genhtml, rendered on first open)'));
  fill('coverage', report, coverageTables(c));
}

async function loadQemu() {
  try {
    fill('qemu', await apiText(`/v1/jobs/${id}/qemu-cmd`));
  } catch (e) {
    fill('qemu', h('span', { class: 'muted' }, e.status === 404 ? 'not started yet' : e.message));
  }
}

function drawTimeline(results) {
  const items = [[job.created, 'queued']];
  if (job.started) items.push([job.started, 'started']);
  const start = job.started ? Date.parse(job.started) : null;
  if (start && job.timings) {
    for (const [k, s] of Object.entries(job.timings))
      items.push([new Date(start + s * 1000).toISOString(), k === 'boot' || k === 'init' ? `booted (${k})` : k]);
  }
  const rows = items.map(([t, what]) => h('li', {}, timeEl(t), ' ', what));
  for (const t of (results && results.tests) || []) {
    rows.push(h('li', {}, h('span', { class: 'muted' }, t.duration !== null && t.duration !== undefined ? duration(t.duration * 1000) : ''),
      ' test ', t.name, ' ', verdict(t.verdict)));
  }
  if (job.finished) rows.push(h('li', {}, timeEl(job.finished), ' finished ', badge(job),
    job.started ? h('span', { class: 'muted' }, ` after ${duration(Date.parse(job.finished) - Date.parse(job.started))}`) : ''));
  fill('timeline', rows);
}

async function loadDetails() {
  const [results] = await Promise.all([
    loadResults().catch((e) => { status(`results: ${e.message}`, true); return null; }),
    loadCrashes().catch((e) => status(`crashes: ${e.message}`, true)),
    loadArtifacts().catch((e) => status(`artifacts: ${e.message}`, true)),
    loadCoverage().catch((e) => status(`coverage: ${e.message}`, true)),
    loadQemu(),
  ]);
  drawTimeline(results);
}

async function init() {
  initHeader();
  if (!id) { status('no job id (job.html?id=N)', true); return; }
  document.getElementById('cancel').addEventListener('click', cancel);
  document.getElementById('resubmit').addEventListener('click', resubmit);
  document.getElementById('search').addEventListener('input', search);
  document.getElementById('search-only').addEventListener('change', search);
  document.getElementById('search-next').addEventListener('click', () => step(1));
  document.getElementById('search-prev').addEventListener('click', () => step(-1));
  document.getElementById('search-form').addEventListener('submit', (e) => { e.preventDefault(); step(1); });
  window.addEventListener('hashchange', gotoHash);
  try {
    job = await api(`/v1/jobs/${id}`);
  } catch (e) {
    status(`job ${id}: ${e.message}`, true);
    return;
  }
  drawSummary();
  await loadDetails();
  const wasDone = job.state === 'done';
  const consoleDone = loadConsole();
  if (!wasDone) {
    let stop = null;
    stop = subscribe(`job=${id}`, {
      job: (ev) => {
        if (ev.id !== id) return;
        Object.assign(job, { state: ev.state, result: ev.result, started: ev.started, finished: ev.finished, tests: ev.tests });
        drawSummary(ev);
        if (ev.state === 'done') { if (stop) stop(); }
      },
      reset: () => {},
    });
    // The console stream ends when the job is done: then load the rest.
    await consoleDone;
    if (stop) stop();
    job = await api(`/v1/jobs/${id}/wait?timeout=30`);
    drawSummary();
    await loadDetails();
  }
}

init();
