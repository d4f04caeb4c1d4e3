// covtable.js -- a coverage answer (a job's, or merged) as a summary
// table with bars and a per-file table; the job and coverage pages share it.
import { h, pct } from './util.js';

function covRow(label, c) {
  return h('tr', {}, h('th', {}, label), h('td', { class: 'num' }, `${c.hit} / ${c.total}`),
    h('td', { class: 'num' }, pct(c.hit, c.total)),
    h('td', {}, h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { style: null, 'data-pct': 0 }))));
}

// A coverage answer (job or merged) as a summary and a per-file table.
export function coverageTables(c) {
  const sum = h('table', { class: 'cov-summary' }, h('tbody', {},
    covRow('lines', c.lines), covRow('functions', c.functions), covRow('branches', c.branches)));
  setBars(sum, [c.lines, c.functions, c.branches]);
  const files = h('table', { class: 'cov-files' },
    h('thead', {}, h('tr', {}, h('th', {}, 'file'), h('th', { class: 'num' }, 'lines'), h('th', { class: 'num' }, '%'),
      h('th', { class: 'num hide-narrow' }, 'functions'), h('th', { class: 'num hide-narrow' }, 'branches'))),
    h('tbody', {}, (c.files || []).map((f) => h('tr', {},
      h('td', {}, h('code', {}, f.file)),
      h('td', { class: 'num' }, `${f.lines.hit}/${f.lines.total}`),
      h('td', { class: 'num' }, pct(f.lines.hit, f.lines.total)),
      h('td', { class: 'num hide-narrow' }, `${f.functions.hit}/${f.functions.total}`),
      h('td', { class: 'num hide-narrow' }, `${f.branches.hit}/${f.branches.total}`)))));
  return [sum, h('div', { class: 'table-wrap' }, files)];
}

// Bar widths through CSSOM (the pages' CSP allows no style attributes).
function setBars(table, list) {
  table.querySelectorAll('.bar > span').forEach((s, i) => {
    const c = list[i];
    s.style.width = c.total ? `${(100 * c.hit) / c.total}%` : '0';
  });
}

