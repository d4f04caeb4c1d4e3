// coverage.js -- merged coverage of a tag (GET /v1/coverage?tag=T) and the
// difference between two jobs (GET /v1/coverage/diff?a=A&b=B).
import { api, initHeader } from './api.js';
import { coverageTables } from './covtable.js';
import { h, fill, jobLink, param, status } from './util.js';

async function merged(tag) {
  document.getElementById('f-tag').value = tag;
  try {
    const c = await api(`/v1/coverage?tag=${encodeURIComponent(tag)}`);
    fill('merged', h('p', {}, `${(c.jobs || []).length} jobs: `,
      (c.jobs || []).slice(0, 50).map((j) => [jobLink(j), ' '])), coverageTables(c));
  } catch (e) {
    fill('merged', h('p', { class: 'error' }, e.message));
  }
}

function lineList(pairs, label) {
  if (!pairs.length) return h('p', { class: 'muted' }, `${label}: none`);
  return [h('h3', {}, label), h('div', { class: 'table-wrap' }, h('table', { class: 'cov-diff' },
    h('thead', {}, h('tr', {}, h('th', {}, 'file'), h('th', { class: 'num' }, 'lines'), h('th', {}, 'line numbers'))),
    h('tbody', {}, pairs.map(([file, lines]) => h('tr', {},
      h('td', {}, h('code', {}, file)), h('td', { class: 'num' }, lines.length),
      h('td', {}, h('code', {}, lines.join(' '))))))))];
}

async function diff(a, b) {
  document.getElementById('f-a').value = a;
  document.getElementById('f-b').value = b;
  try {
    const d = await api(`/v1/coverage/diff?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`);
    fill('diff', lineList(d.b_only || [], `reached by job ${b}, not by job ${a}`),
      lineList(d.a_only || [], `reached by job ${a}, not by job ${b}`));
  } catch (e) {
    fill('diff', h('p', { class: 'error' }, e.message));
  }
}

function init() {
  initHeader();
  status('');
  const tag = param('tag'), a = param('a'), b = param('b');
  if (tag) merged(tag);
  if (a && b) diff(a, b);
}

init();
