// overview.js -- the overview page: slots, users, running jobs with their
// progress, the queue, and finished jobs paged by the API's cursor.
//
// The first state comes from the REST API; after that GET /v1/events keeps
// it current (job and slots events), with no timers polling.  A job event
// carries the whole progress (phase, test i of N, elapsed), so the page
// never asks again for a job it was told about.
import { api, initHeader } from './api.js';
import { subscribe } from './events.js';
import { h, fill, badge, duration, timeEl, jobLink, param, status } from './util.js';

const PAGE = 25;
const running = new Map(); // id -> job (REST shape, with .progress from events)
const queued = new Map();
let slots = null;
let serverOffset = 0; // server clock minus ours, from job times

const filters = { owner: param('owner') || '', tag: param('tag') || '', result: param('result') || '' };
const before = param('before');

function listQuery(extra) {
  const q = new URLSearchParams(extra);
  for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
  return q.toString();
}

function matches(job) {
  return (!filters.owner || job.owner === filters.owner) &&
    (!filters.result || job.result === filters.result) &&
    (!filters.tag || (job.tags || []).includes(filters.tag));
}

// ---- running jobs ---------------------------------------------------------

function progressOf(job) {
  const p = job.progress || {};
  const tests = p.tests || job.tests || { passed: 0, failed: 0, total: 0 };
  const done = (tests.passed || 0) + (tests.failed || 0);
  const total = tests.total || (job.executables || []).length || 0;
  const startedMs = job.started ? Date.parse(job.started) : null;
  const elapsed = p.elapsed_ms !== undefined && p.at !== undefined
    ? p.elapsed_ms + (Date.now() - p.at)
    : startedMs ? Date.now() + serverOffset - startedMs : 0;
  return { phase: p.phase || 'running', test: p.test || null, done, total, elapsed,
    timeout: (p.timeout_s || job.timeout || 0) * 1000 };
}

function runningCard(job) {
  const g = progressOf(job);
  let label;
  if (g.test) label = `test ${g.test.index} of ${g.test.total}: ${g.test.name}`;
  else label = g.phase;
  return h('article', { class: 'job-card', id: `run-${job.id}`, 'data-job': job.id },
    h('div', { class: 'line' },
      h('strong', {}, jobLink(job.id)), badge(job),
      h('span', {}, job.owner),
      h('span', { class: 'muted hide-narrow' }, (job.tags || []).join(' ')),
      h('span', { class: 'phase', 'data-phase': g.phase }, label)),
    h('div', { class: 'progress' },
      h('label', { class: 'label' },
        h('span', { class: 'tests-count' }, `${g.done} of ${g.total} tests done`),
        h('progress', { class: 'tests', max: Math.max(g.total, 1), value: g.done })),
      h('label', { class: 'label muted' },
        h('span', { class: 'elapsed', 'data-start': job.started || '' },
          `${duration(g.elapsed)} of ${duration(g.timeout)}`),
        h('progress', { class: 'time', max: Math.max(g.timeout, 1),
          value: Math.min(g.elapsed, g.timeout) }))));
}

function drawRunning() {
  const el = document.getElementById('running');
  const jobs = [...running.values()].sort((a, b) => a.id - b.id);
  if (!jobs.length) fill(el, h('p', { class: 'muted' }, 'nothing is running'));
  else fill(el, jobs.map(runningCard));
}

// ---- queue ----------------------------------------------------------------

const PRIO = { high: 2, normal: 1, low: 0 };

function drawQueue() {
  // Priority, then submission: the order of each user's own queue.  Fair
  // share picks among users' heads (docs/LAB.md section 4), so across
  // users this is the order of arrival, not a promise.
  const jobs = [...queued.values()].sort((a, b) =>
    (PRIO[b.priority] ?? 1) - (PRIO[a.priority] ?? 1) || a.id - b.id);
  const tb = document.querySelector('#queue tbody');
  if (!jobs.length) {
    fill(tb, h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'the queue is empty')));
    return;
  }
  fill(tb, jobs.map((j, i) => h('tr', { 'data-job': j.id },
    h('td', { class: 'num' }, i + 1), h('td', {}, jobLink(j.id)), h('td', {}, j.owner),
    h('td', {}, j.priority || 'normal'),
    h('td', { class: 'hide-narrow' }, (j.tags || []).join(' ')),
    h('td', { class: 'hide-narrow' }, timeEl(j.created)))));
}

function drawSlots() {
  const el = document.getElementById('slots');
  if (!slots) return;
  fill(el, h('strong', {}, `${slots.used} of ${slots.total}`), ' slots in use, ',
    h('strong', {}, String(slots.queued ?? queued.size)), ' jobs queued',
    h('progress', { max: Math.max(slots.total, 1), value: slots.used, 'aria-label': 'slots in use' }));
  el.classList.remove('muted');
}

// ---- finished -------------------------------------------------------------

function doneRow(j) {
  const took = j.started && j.finished ? Date.parse(j.finished) - Date.parse(j.started) : null;
  const t = j.tests || {};
  return h('tr', { 'data-job': j.id },
    h('td', {}, jobLink(j.id)), h('td', {}, badge(j)), h('td', {}, j.owner),
    h('td', { class: 'num' }, `${t.passed || 0}/${t.total || 0}`),
    h('td', { class: 'hide-narrow' }, (j.tags || []).join(' ')),
    h('td', { class: 'hide-narrow' }, timeEl(j.finished)),
    h('td', { class: 'hide-narrow num' }, duration(took)),
    h('td', { class: 'muted' }, j.message || ''));
}

async function loadDone() {
  const extra = { state: 'done', limit: PAGE };
  if (before) extra.before = before;
  const r = await api(`/v1/jobs?${listQuery(extra)}`);
  const tb = document.querySelector('#done tbody');
  if (!r.jobs.length) fill(tb, h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'no finished jobs')));
  else fill(tb, r.jobs.map(doneRow));
  const pager = [];
  if (before) pager.push(h('a', { href: `/?${listQuery({})}` }, '« newest'));
  if (r.next) pager.push(h('a', { href: `/?${listQuery({ before: r.next })}`, rel: 'next' }, 'older »'));
  fill('pager', pager);
}

// Users' counts change when a job is queued, starts or ends: ask again
// then, at most once a second however many jobs move at once.
let usersPending = null;
function usersChanged() {
  if (usersPending) return;
  usersPending = setTimeout(() => {
    usersPending = null;
    loadUsers().catch(() => {});
  }, 1000);
}

// A job event (the events contract): update the sections it belongs to.
function onJob(ev) {
  const at = Date.now();
  const known = running.get(ev.id) || queued.get(ev.id);
  if (!known || known.state !== ev.state) usersChanged();
  const job = Object.assign({}, known || { id: ev.id, tags: [] }, {
    state: ev.state, result: ev.result, owner: ev.owner, started: ev.started,
    finished: ev.finished, timeout: ev.timeout_s,
  });
  job.progress = { phase: ev.phase, test: ev.test, tests: ev.tests, elapsed_ms: ev.elapsed_ms,
    timeout_s: ev.timeout_s, at };
  job.tests = ev.tests || job.tests;
  if (ev.state === 'queued') {
    queued.set(ev.id, job);
    if (!known) api(`/v1/jobs/${ev.id}`).then((j) => {
      if (queued.has(ev.id)) { queued.set(ev.id, Object.assign(j, { progress: job.progress })); drawQueue(); }
    }).catch(() => {});
    drawQueue();
  } else if (ev.state === 'running') {
    if (queued.delete(ev.id)) drawQueue();
    running.set(ev.id, job);
    const old = document.getElementById(`run-${ev.id}`);
    if (old) old.replaceWith(runningCard(job)); else drawRunning();
  } else if (ev.state === 'done') {
    if (queued.delete(ev.id)) drawQueue();
    if (running.delete(ev.id)) drawRunning();
    if (!before) {
      // Prepend it to the first page with what the REST API says.
      api(`/v1/jobs/${ev.id}`).then((j) => {
        if (!matches(j)) return;
        const tb = document.querySelector('#done tbody');
        const old = tb.querySelector(`tr[data-job="${j.id}"]`);
        if (old) old.replaceWith(doneRow(j));
        else {
          if (!tb.querySelector('tr[data-job]')) tb.replaceChildren();
          tb.prepend(doneRow(j));
          while (tb.children.length > PAGE) tb.lastElementChild.remove();
        }
      }).catch(() => {});
    }
  }
}

async function loadUsers() {
  const r = await api('/v1/users');
  const tb = document.querySelector('#users tbody');
  if (!r.users.length) { fill(tb, h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'nobody yet'))); return; }
  fill(tb, r.users.map((u) => h('tr', {},
    h('td', {}, h('a', { href: `/?owner=${encodeURIComponent(u.name)}` }, u.name)),
    h('td', { class: 'num' }, u.queued), h('td', { class: 'num' }, u.running),
    h('td', { class: 'num' }, u.running_slots),
    h('td', { class: 'num' }, (u.usage_slot_s || 0).toFixed(0)))));
}

// Running jobs from the REST API: the test running now is in their results.
async function loadRunning() {
  const r = await api('/v1/jobs?state=running&limit=1000');
  running.clear();
  for (const j of r.jobs) running.set(j.id, j);
  await Promise.all(r.jobs.map(async (j) => {
    try {
      const res = await api(`/v1/jobs/${j.id}/results`);
      const i = res.tests.findIndex((t) => t.verdict === 'running');
      j.progress = {
        phase: i >= 0 ? 'testing' : 'booting',
        test: i >= 0 ? { index: i + 1, total: res.tests.length, name: res.tests[i].name } : null,
      };
    } catch (_) { /* its card shows without the test */ }
  }));
  drawRunning();
}

async function loadQueue() {
  const r = await api('/v1/jobs?state=queued&limit=10000');
  queued.clear();
  for (const j of r.jobs) queued.set(j.id, j);
  drawQueue();
}

async function loadSlots() {
  const r = await fetch('/v1/health').then((x) => x.json());
  slots = { total: r.slots.total, used: r.slots.used, queued: r.queue.depth };
  drawSlots();
}

// The first complete render is marked for tests and bench/dashboard:
// body[data-ready="1"] and a performance mark (from navigation start).
async function loadAll() {
  try {
    await Promise.all([loadSlots(), loadUsers(), loadRunning(), loadQueue(), loadDone()]);
    status('');
    if (document.body.dataset.ready !== '1') performance.mark('overview-ready');
    document.body.dataset.ready = '1';
  } catch (e) {
    status(`cannot load: ${e.message}`, true);
    document.body.dataset.ready ||= 'error';
  }
}

// Elapsed times move with the clock; one animation frame a second redraws
// the numbers of the running cards (no requests).
function tick() {
  for (const job of running.values()) {
    const card = document.getElementById(`run-${job.id}`);
    if (!card) continue;
    const g = progressOf(job);
    card.querySelector('.elapsed').textContent = `${duration(g.elapsed)} of ${duration(g.timeout)}`;
    const p = card.querySelector('progress.time');
    p.value = Math.min(g.elapsed, g.timeout);
  }
}

function init() {
  initHeader();
  document.getElementById('f-owner').value = filters.owner;
  document.getElementById('f-tag').value = filters.tag;
  document.getElementById('f-result').value = filters.result;
  loadAll();
  const live = document.getElementById('live');
  subscribe('', {
    open: () => { live.textContent = '● live'; },
    job: onJob,
    slots: (s) => { slots = s; drawSlots(); },
    reset: () => loadAll(),
    unsupported: () => { live.textContent = ''; },
  });
  setInterval(tick, 1000);
}

init();
