// crashes.js -- crash titles across all jobs (GET /v1/crashes): how often,
// in how many jobs, first and last seen (with their jobs), the kernels,
// and the kernel that seems to fix it.
import { api, initHeader } from './api.js';
import { h, fill, timeEl, jobLink, param, status } from './util.js';

async function init() {
  initHeader();
  const q = new URLSearchParams({ limit: 200 });
  for (const k of ['kind', 'tag', 'since']) {
    const v = param(k);
    if (v) { q.set(k, v); document.getElementById(`f-${k}`).value = v; }
  }
  const tb = document.querySelector('#groups tbody');
  try {
    const r = await api(`/v1/crashes?${q}`);
    if (!r.groups.length) { fill(tb, h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'no crashes'))); return; }
    fill(tb, r.groups.map((g) => h('tr', {},
      h('td', { class: 'crash-title' }, g.title),
      h('td', {}, h('a', { href: `/ui/crashes.html?kind=${encodeURIComponent(g.kind)}` }, g.kind),
        g.fatal ? '' : h('span', { class: 'muted' }, ' (not fatal)')),
      h('td', { class: 'num' }, g.count), h('td', { class: 'num' }, g.jobs),
      h('td', {}, timeEl(g.first_seen), ' ', jobLink(g.first_job)),
      h('td', {}, timeEl(g.last_seen), ' ', jobLink(g.last_job)),
      h('td', { class: 'hide-narrow' }, (g.kernels || []).map((k) =>
        h('div', {}, h('code', { title: k.sha256 }, k.version || k.sha256.slice(0, 12)), ` ×${k.count}`)),
        g.kernel_count > (g.kernels || []).length ? h('span', { class: 'muted' }, `+${g.kernel_count - g.kernels.length} more`) : ''),
      h('td', { class: 'hide-narrow' }, g.fixed_in
        ? [h('code', { title: g.fixed_in.sha256 }, g.fixed_in.version || g.fixed_in.sha256.slice(0, 12)), ' ', jobLink(g.fixed_in.job)]
        : ''))));
  } catch (e) {
    status(`cannot load crashes: ${e.message}`, true);
  }
}

init();
