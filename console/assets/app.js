// The emcdp console: reads the world through the control API under
// /_emcdp/, authorised by the console's cookie (set by its logon page, out of
// reach of this script) and its header, and draws it.
'use strict';

const API = '/_emcdp/';
const ICON = { Success: '✔', Warning: '⚠', Failed: '✖', None: '◷', Running: '◷' };

let timers = [];

// ---- helpers ---------------------------------------------------------------

class AuthError extends Error {}

async function api(path, opts = {}) {
  const headers = Object.assign({ 'X-Emcdp-Console': '1' }, opts.headers || {});
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(API + path, {
    method: opts.method || 'GET', headers, cache: 'no-store',
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  if (res.status === 401) {
    // The logon expired: the console's address now answers the logon page.
    clearTimers();
    location.reload();
    throw new AuthError('unauthorized');
  }
  if (res.status === 204) return null;
  const data = await res.json();
  if (!res.ok) throw new Error(data.error || res.statusText);
  return data;
}

// el builds an element: el('td', {class: 'x'}, 'text', child…).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else if (k === 'style') Object.assign(e.style, v); // CSSOM: the CSP forbids style attributes
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// Formatters made once: toLocaleString makes one per call, which costs
// seconds over the thousands of times a large world shows.
const LONG = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const SHORT = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

// when writes a time in the browser's zone, with UTC on hover.
function when(iso) {
  if (!iso) return el('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  return el('time', { datetime: d.toISOString(), title: 'UTC ' + d.toISOString().replace('T', ' ').replace(/\.\d+Z$|Z$/, ' Z') },
    LONG.format(d));
}

// badge shows a result by icon, word and colour.
function badge(result, running) {
  const r = running ? 'Running' : (result || 'None');
  return el('span', { class: 'badge r-' + r }, el('span', { 'aria-hidden': 'true' }, ICON[r] || '•'), ' ', running ? 'Running' : r);
}

const NUM = new Intl.NumberFormat('en-US');
function fmtNum(n) { return NUM.format(n); }

function setTitle(t) { document.title = t + ' · emcdp console'; }

function every(ms, fn) { timers.push(setInterval(fn, ms)); }

// show puts nodes in the view, skipping the absent ones.
function show(view, ...nodes) { view.replaceChildren(...nodes.filter(n => n !== null && n !== undefined && n !== false)); }

function clearTimers() { timers.forEach(clearInterval); timers = []; }

function message(text, kind) {
  return el('p', { class: kind || 'error', role: kind === 'note' ? 'status' : 'alert' }, text);
}

// ---- shell -------------------------------------------------------------------

// logoff asks the server to remove the console's cookie and shows the logon
// page.
async function logoff() {
  clearTimers();
  try {
    await fetch(API + 'ui/logoff', { method: 'POST', headers: { 'X-Emcdp-Console': '1' }, cache: 'no-store' });
  } finally {
    location.reload();
  }
}

let lastClock = null;

async function refreshClock() {
  try {
    const c = await api('clock');
    lastClock = c;
    const p = document.getElementById('clock');
    p.replaceChildren('World clock ', when(c.now), ' ',
      el('span', { class: 'muted' }, c.paused ? '(paused)' : '(running ×' + c.scale + ')'));
    return c;
  } catch (e) { return null; }
}

async function route() {
  clearTimers();
  const [name, arg] = (location.hash.slice(1) || 'overview').split('/');
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.view === name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const view = document.getElementById('view');
  view.setAttribute('aria-busy', 'true');
  refreshClock();
  every(5000, refreshClock);
  try {
    const views = { overview, timeline, session, journal, controls };
    await (views[name] || overview)(view, arg ? decodeURIComponent(arg) : '');
  } catch (e) {
    if (!(e instanceof AuthError)) show(view, message('Could not load this view: ' + e.message));
  }
  view.setAttribute('aria-busy', 'false');
}

// ---- overview ---------------------------------------------------------------

function countCell(c, label) {
  return el('td', { 'data-n': c.n, 'data-query': c.query, title: 'GET /api/query?' + c.query + ' answers this number' },
    el('span', { class: 'sr-only' }, label + ': '), fmtNum(c.n));
}

function hourStrip(hours, since) {
  const strip = el('span', { class: 'strip', role: 'img', 'aria-label': 'Worst result per hour of the last 24 h: ' +
    (hours.filter(Boolean).length ? hours.map((h, i) => h ? (i + 1) + ': ' + h : '').filter(Boolean).join(', ') : 'no ended task sessions') });
  const t0 = new Date(since).getTime();
  hours.forEach((h, i) => {
    strip.append(el('span', { class: 'hour r-' + (h || 'empty'), title: SHORT.format(t0 + i * 3600e3) + ': ' + (h || 'none ended') }));
  });
  return strip;
}

let overviewAll = false;

const TYPE_LABEL = {
  CdpReplicaSession: 'CDP policy sessions', CdpReplicaTaskSession: 'CDP task sessions',
  BackupJobSession: 'Backup job sessions', BackupTaskSession: 'Backup task sessions',
  ReplicaJobSession: 'Replica job sessions', ReplicaTaskSession: 'Replica task sessions',
};

function bytes(n) {
  if (n < 0) return el('span', { class: 'muted' }, 'not reported');
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + ' ' + u[i];
}

function jobsTable(jobs) {
  return el('table', { id: 'jobs' },
    el('caption', {}, 'Jobs (', jobs.length, ')'),
    el('thead', {}, el('tr', {}, ['Job', 'Server', 'Type', 'VMs', 'Last result', 'Ended', 'Next run'].map(h => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, jobs.map(j => el('tr', { 'data-job': j.id },
      el('th', { scope: 'row' }, j.name, j.enabled ? null : el('span', { class: 'muted small' }, ' (disabled)')),
      el('td', {}, j.server), el('td', {}, j.type), el('td', { class: 'num' }, j.vms),
      el('td', {}, j.lastSession ? el('a', { href: '#session/' + j.lastSession }, badge(j.lastResult)) : el('span', { class: 'muted' }, 'none in 8 days'),
        j.running ? [' ', el('a', { href: '#session/' + j.running }, badge('None', true))] : null),
      el('td', {}, when(j.lastEnded)), el('td', {}, when(j.nextRun))))));
}

// summaryReport shows the figures of GET /api/reports/summary/… (the same
// computation, read with the overview).
function summaryReport(r) {
  if (!r) return null;
  const js = r.JobStatistics, ov = r.Overview, vo = r.VmsOverview;
  const items = [
    ['Job runs', js.TotalJobRuns], ['Successful', js.SuccessfulJobRuns], ['Warnings', js.WarningsJobRuns], ['Failed', js.FailedJobRuns],
    ['Running jobs', js.RunningJobs], ['Scheduled jobs', js.ScheduledJobs],
    ['VMs latest Success', ov.SuccessfulVmLastestStates], ['VMs latest Warning', ov.WarningVmLastestStates], ['VMs latest Failed', ov.FailedVmLastestStates],
    ['Backed-up VMs', vo.BackedUpVms], ['Restore points', vo.RestorePoints], ['Backup success', vo.SuccessBackupPercents + ' %']];
  return el('dl', { class: 'totals', id: 'report' }, items.map(([k, n]) =>
    el('div', {}, el('dt', {}, k), el('dd', {}, typeof n === 'number' ? fmtNum(n) : n))));
}

function reposTable(repos) {
  return el('table', { id: 'repositories' },
    el('caption', {}, 'Repositories (', repos.length, ')'),
    el('thead', {}, el('tr', {}, ['Repository', 'Server', 'Kind', 'Capacity', 'Free', 'Free share'].map(h => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, repos.map(r => {
      const share = r.capacity > 0 ? r.free / r.capacity : null;
      const low = share !== null && share < 0.1;
      return el('tr', { 'data-repository': r.id },
        el('th', { scope: 'row' }, r.name), el('td', {}, r.server), el('td', {}, r.kind),
        el('td', { class: 'num', 'data-bytes': r.capacity }, bytes(r.capacity)), el('td', { class: 'num', 'data-bytes': r.free }, bytes(r.free)),
        el('td', {}, share === null ? el('span', { class: 'muted' }, '—') : [
          el('meter', { min: 0, max: 1, low: 0.1, high: 0.5, optimum: 1, value: share.toFixed(3), 'aria-hidden': 'true' }), ' ',
          el('span', { class: low ? 'badge r-Warning' : '' }, low ? [el('span', { 'aria-hidden': 'true' }, ICON.Warning), ' '] : null, (100 * share).toFixed(1) + ' %', low ? ' low' : '')]));
    })));
}

async function overview(view) {
  setTitle('Overview');
  const [o, w] = await Promise.all([api('overview' + (overviewAll ? '?limit=0' : '')), api('world')]);
  const sev = Object.assign({ Failed: 0, Warning: 0, Success: 0, None: 0 }, o.policyStates);
  const counts = el('table', { class: 'counts', id: 'counts' },
    el('caption', {}, 'Sessions created in the last 24 h (since ', when(o.since), ')'),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Type'), el('th', { scope: 'col' }, 'All'),
      ['Success', 'Warning', 'Failed'].map(r => el('th', { scope: 'col' }, badge(r))),
      el('th', { scope: 'col' }, badge('None', true)))),
    el('tbody', {}, o.counts.map(c => el('tr', { 'data-type': c.type },
      el('th', { scope: 'row' }, TYPE_LABEL[c.type] || c.type),
      countCell(c.total, 'All'),
      ['Success', 'Warning', 'Failed'].map(r => countCell(c.results[r], r)),
      countCell(c.running, 'Running')))));
  const servers = el('table', { id: 'servers' },
    el('caption', {}, 'Backup servers'),
    el('thead', {}, el('tr', {}, ['Name', 'Version', 'Port', 'CDP policies'].map(h => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, o.servers.map(s => el('tr', {}, el('th', { scope: 'row' }, s.name), el('td', {}, s.version),
      el('td', { class: 'num' }, s.port), el('td', { class: 'num' }, s.policies)))));
  const policies = el('table', { id: 'policies' },
    el('caption', {}, 'CDP policies, problems first (', o.policies.length < o.policyCount ? o.policies.length + ' of ' + o.policyCount : 'all ' + o.policyCount, ')'),
    el('thead', {}, el('tr', {}, ['Policy', 'Server', 'RPO', 'VMs', 'Now', 'Last 24 h (per hour)', 'Task sessions 24 h', 'Next run']
      .map(h => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, o.policies.map(p => el('tr', { 'data-policy': p.id },
      el('th', { scope: 'row' }, p.name), el('td', {}, p.server), el('td', {}, p.rpo), el('td', { class: 'num' }, p.vms),
      el('td', {}, p.session ? el('a', { href: '#session/' + p.session, title: 'the running policy session' }, badge(p.state)) : badge(p.state)),
      el('td', {}, hourStrip(p.hours, o.since)),
      el('td', { class: 'mini' }, ['Success', 'Warning', 'Failed'].map(r => el('span', { class: 'mini-n r-' + r, 'data-result': r },
        el('span', { 'aria-hidden': 'true' }, ICON[r]), el('span', { class: 'sr-only' }, r + ' '), fmtNum(p.last24h[r] || 0))),
        p.running ? el('span', { class: 'mini-n r-Running' }, el('span', { 'aria-hidden': 'true' }, ICON.Running), el('span', { class: 'sr-only' }, 'running '), p.running) : null),
      el('td', {}, when(p.nextRun))))));
  const totals = el('dl', { class: 'totals', id: 'totals' }, Object.entries(w.counts).map(([k, n]) =>
    el('div', {}, el('dt', {}, k), el('dd', { 'data-kind': k }, fmtNum(n)))));
  show(view,
    el('h2', {}, 'Overview'),
    el('p', { class: 'lead' }, 'World ', el('strong', {}, w.scenario || 'unnamed'), ' (seed ', w.seed, '), at ', when(o.now), '. ',
      el('span', { class: 'sev' }, badge('Failed'), ' ', sev.Failed, ' · ', badge('Warning'), ' ', sev.Warning, ' · ', badge('Success'), ' ', sev.Success,
        ' policies by the state of their running session')),
    el('div', { class: 'scroll' }, counts),
    el('h3', {}, 'Summary report, last 24 h'), summaryReport(o.report),
    el('h3', {}, 'Resources'), totals,
    el('div', { class: 'scroll' }, servers),
    el('div', { class: 'scroll' }, reposTable(o.repositories || [])),
    el('div', { class: 'scroll' }, policies),
    o.policies.length < o.policyCount ? el('button', { type: 'button', onclick: () => { overviewAll = true; route(); } }, 'Show all ' + o.policyCount + ' policies') : null,
    el('div', { class: 'scroll' }, jobsTable(o.jobs || [])),
    el('p', { class: 'muted' }, 'Every number is read through the query service; hover a count for the /api/query request that gives it.'));
}

// ---- timeline ---------------------------------------------------------------

const RANGES = { '1d': 864e5, '7d': 7 * 864e5, '30d': 30 * 864e5 };
const tlState = { range: '7d', end: null, page: 1, rows: 'policies' };

function worstOf(c) {
  if (c.failed) return 'Failed';
  if (c.warning) return 'Warning';
  if (c.running) return 'Running';
  return 'Success';
}

function cellsTrack(cells, buckets, from, width) {
  const track = el('div', { class: 'cells' });
  for (const c of cells) {
    const w = worstOf(c);
    const text = SHORT.format(from + c.b * width * 1000) + ': ' + [c.success && c.success + ' success', c.warning && c.warning + ' warning',
      c.failed && c.failed + ' failed', c.running && c.running + ' running'].filter(Boolean).join(', ');
    track.append(el('span', { class: 'cell r-' + w, style: { left: (100 * c.b / buckets) + '%', width: (100 / buckets) + '%' }, title: text }));
  }
  return track;
}

function sessionsTrack(sessions, from, to) {
  const track = el('div', { class: 'bars' });
  const span = to - from;
  for (const s of sessions || []) {
    const a = Math.max(new Date(s.start).getTime(), from);
    const b = Math.min(s.end ? new Date(s.end).getTime() : to, to);
    if (b <= a) continue;
    const running = !s.end;
    const r = running ? 'Running' : s.result;
    track.append(el('a', { class: 'bar r-' + r, href: '#session/' + s.id, style: { left: (100 * (a - from) / span) + '%', width: (100 * (b - a) / span) + '%' },
      title: s.name + ': ' + (running ? 'running' : s.result), 'aria-label': s.name + ', ' + (running ? 'running' : s.result) },
    el('span', { 'aria-hidden': 'true' }, ICON[r])));
  }
  return track;
}

async function timeline(view) {
  setTitle('Timeline');
  const span = RANGES[tlState.range];
  const buckets = tlState.range === '1d' ? 96 : tlState.range === '7d' ? 84 : 120;
  // Up to now, the server takes the window's end from its clock.
  const tl = await api('timeline?' + (tlState.end === null ? 'span=' + span / 1000 + 's'
    : 'from=' + new Date(tlState.end - span).toISOString() + '&to=' + new Date(tlState.end).toISOString()) +
    '&buckets=' + buckets + '&page=' + tlState.page + '&pageSize=50&rows=' + tlState.rows);
  const from = new Date(tl.from).getTime();
  const to = new Date(tl.to).getTime();
  const now = tlState.end === null ? to : new Date(lastClock ? lastClock.now : tl.to).getTime();
  const qs = 'from=' + tl.from + '&to=' + tl.to + '&buckets=' + buckets + '&rows=' + tlState.rows;
  const parentParam = tlState.rows === 'jobs' ? '&job=' : '&policy=';
  const go = (end, page) => { tlState.end = end; if (page) tlState.page = page; route(); };
  const rows = el('div', { class: 'tl-rows', role: 'list' });
  const axis = el('div', { class: 'axis', 'aria-hidden': 'true' });
  const ticks = tlState.range === '1d' ? 6 : tlState.range === '7d' ? 7 : 6;
  for (let i = 0; i < ticks; i++) {
    const t = new Date(from + i * span / ticks);
    axis.append(el('span', { class: i > ticks / 2 ? 'end' : undefined, style: { left: (100 * i / ticks) + '%' } }, t.toLocaleDateString(undefined, { month: 'short', day: 'numeric' }) +
      (tlState.range === '1d' ? ' ' + t.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) : '')));
  }
  for (const r of tl.rows) {
    const holder = el('div', { class: 'tl-sub', hidden: true });
    const btn = el('button', { type: 'button', class: 'expand', 'aria-expanded': 'false', title: 'Show the task sessions per VM' },
      el('span', { 'aria-hidden': 'true', class: 'chev' }, '▸'), ' ', r.name);
    btn.addEventListener('click', async () => {
      const open = btn.getAttribute('aria-expanded') === 'true';
      btn.setAttribute('aria-expanded', String(!open));
      holder.hidden = open;
      if (!open && !holder.childElementCount) {
        try {
          const sub = await api('timeline?' + qs + parentParam + r.id);
          holder.replaceChildren(...sub.rows.map(v => el('div', { class: 'tl-row vm', role: 'listitem' },
            el('div', { class: 'tl-name' }, el('span', { class: 'vm-name' }, v.name)),
            el('div', { class: 'tl-track' }, cellsTrack(v.cells, buckets, from, sub.widthSeconds)))));
        } catch (e) { if (!(e instanceof AuthError)) holder.replaceChildren(message(e.message)); }
      }
    });
    rows.append(el('div', { class: 'tl-row', role: 'listitem', 'data-row': r.id, 'data-policy': tlState.rows === 'policies' ? r.id : undefined },
      el('div', { class: 'tl-name' }, btn, el('span', { class: 'muted small' }, r.server)),
      el('div', { class: 'tl-track' }, sessionsTrack(r.sessions, from, to), cellsTrack(r.cells, buckets, from, tl.widthSeconds))), holder);
  }
  const rangeBtns = Object.keys(RANGES).map(k => el('button', { type: 'button', 'aria-pressed': String(k === tlState.range),
    onclick: () => { tlState.range = k; route(); } }, k === '1d' ? '1 day' : k === '7d' ? '7 days' : '30 days'));
  show(view,
    el('h2', {}, 'Timeline'),
    el('div', { class: 'toolbar', role: 'group', 'aria-label': 'Rows' },
      ['policies', 'jobs'].map(k => el('button', { type: 'button', 'aria-pressed': String(k === tlState.rows),
        onclick: () => { tlState.rows = k; tlState.page = 1; route(); } }, k === 'policies' ? 'CDP policies' : 'Jobs'))),
    el('div', { class: 'toolbar', role: 'group', 'aria-label': 'Time window' },
      ...rangeBtns,
      el('button', { type: 'button', onclick: () => go(to - span / 2), title: 'Earlier by half the window' }, '◀ Earlier'),
      el('button', { type: 'button', onclick: () => go(to + span / 2 >= now ? null : to + span / 2), disabled: tlState.end === null, title: 'Later by half the window' }, 'Later ▶'),
      el('button', { type: 'button', onclick: () => go(null) }, 'Now'),
      tl.pages > 1 ? el('span', {}, el('button', { type: 'button', disabled: tl.page <= 1, onclick: () => go(tlState.end, tl.page - 1) }, 'Previous policies'),
        ' page ', tl.page, ' of ', tl.pages, ' ',
        el('button', { type: 'button', disabled: tl.page >= tl.pages, onclick: () => go(tlState.end, tl.page + 1) }, 'Next policies')) : null),
    el('p', { class: 'lead' }, when(new Date(from).toISOString()), ' to ', when(new Date(to).toISOString()), ': ',
      el('strong', { id: 'tl-tasks', 'data-n': tl.tasks, 'data-from': new Date(from).toISOString(), 'data-to': new Date(to).toISOString() }, fmtNum(tl.tasks)),
      ' task sessions in ', buckets, ' columns of ', Math.round(tl.widthSeconds / 60), ' min.',
      tl.truncated ? ' The window holds more sessions than are drawn: the newest are shown.' : ''),
    legend(),
    el('div', { class: 'timeline' }, el('div', { class: 'tl-row head' }, el('div', { class: 'tl-name' }, tlState.rows === 'jobs' ? 'Job' : 'Policy'), el('div', { class: 'tl-track' }, axis)), rows));
}

function legend() {
  return el('p', { class: 'legend' }, 'Bars: policy or job sessions (select one for its detail). Squares: task sessions created per column, worst result shown. ',
    ['Success', 'Warning', 'Failed', 'Running'].map(r => el('span', { class: 'key' }, el('span', { class: 'swatch hour r-' + r, 'aria-hidden': 'true' }), ' ', badge(r === 'Running' ? 'None' : r, r === 'Running'))));
}

// ---- session detail ---------------------------------------------------------

function copyButton(text) {
  const b = el('button', { type: 'button', class: 'copy' }, 'Copy');
  b.addEventListener('click', async () => {
    try { await navigator.clipboard.writeText(text); b.textContent = 'Copied'; } catch (e) {
      b.textContent = 'Select and copy';
    }
    setTimeout(() => { b.textContent = 'Copy'; }, 2000);
  });
  return b;
}

const SESSION_TITLE = {
  CdpReplicaSession: 'Policy session', CdpReplicaTaskSession: 'Task session',
  BackupJobSession: 'Backup job session', BackupTaskSession: 'Backup task session',
  ReplicaJobSession: 'Replica job session', ReplicaTaskSession: 'Replica task session',
};

async function session(view, id) {
  setTitle('Session');
  const d = await api('sessions/' + encodeURIComponent(id));
  const result = (d.fields.find(f => f.name === 'Result') || {}).value;
  const ended = (d.fields.find(f => f.name === 'EndTimeUTC') || {}).value;
  const fields = el('dl', { class: 'fields' }, d.fields.map(f => el('div', {}, el('dt', {}, f.name),
    el('dd', { 'data-field': f.name }, f.time ? when(f.value) : (f.value === '' ? el('span', { class: 'muted' }, '—') : f.value)))));
  const tasks = d.tasks ? el('table', { id: 'tasks' },
    el('caption', {}, 'Task sessions (', d.tasksTotal, ')'),
    el('thead', {}, el('tr', {}, ['VM', 'Started', 'Ended', 'State', 'Result', 'Reason'].map(h => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, d.tasks.map(t => el('tr', { 'data-result': t.result },
      el('th', { scope: 'row' }, el('a', { href: '#session/' + t.id }, t.vm)), el('td', {}, when(t.start)), el('td', {}, when(t.end)),
      el('td', {}, t.state), el('td', {}, badge(t.result, !t.end)), el('td', {}, t.reason || ''))))) : null;
  const urls = el('ul', { class: 'urls' }, d.urls.map(u => {
    const cmd = 'curl -k -H "X-RestSvcSessionId: $TOKEN" -H "Accept: ' + u.accept + '" \'' + u.url + '\'';
    return el('li', {}, el('span', { class: 'fmt' }, u.accept === 'application/json' ? 'JSON' : 'XML'), ' ', u.label, ': ',
      el('code', { class: 'url' }, u.url), ' ', copyButton(u.url), el('br'), el('code', { class: 'cmd' }, cmd), ' ', copyButton(cmd));
  }));
  show(view,
    el('h2', {}, (SESSION_TITLE[d.type] || d.type) + ' ', el('span', { class: 'mono' }, d.name), ' ', badge(result, !ended)),
    d.parent ? el('p', {}, 'Part of ', el('a', { href: '#session/' + d.parent.id }, d.parent.name)) : null,
    fields,
    tasks ? el('div', { class: 'scroll' }, tasks) : null,
    el('h3', {}, 'As a client reads it'),
    el('p', { class: 'muted' }, 'The EM API answers XML or JSON by the Accept header; log on first (POST /api/sessionMngr/?v=latest) for the X-RestSvcSessionId token.'),
    urls);
}

// ---- journal ----------------------------------------------------------------

async function journal(view) {
  setTitle('Requests');
  const form = el('form', { class: 'filters', role: 'search', 'aria-label': 'Filter the requests' },
    el('label', {}, 'Method ', el('select', { name: 'method' }, ['', 'GET', 'POST', 'DELETE'].map(m => el('option', { value: m }, m || 'any')))),
    el('label', {}, 'Path contains ', el('input', { name: 'path', type: 'search', size: 18 })),
    el('label', {}, 'Status ', el('input', { name: 'status', type: 'text', inputmode: 'numeric', pattern: '[0-9]{0,3}', size: 4 })),
    el('label', {}, el('input', { name: 'live', type: 'checkbox', checked: true }), ' Live'));
  const tbody = el('tbody', {});
  const note = el('p', { class: 'muted', role: 'status' });
  const table = el('table', { id: 'journal' }, el('caption', {}, 'The newest requests to the EM API, newest first'),
    el('thead', {}, el('tr', {}, ['Time', 'Method', 'Path and query', 'Status', 'User', 'Bytes', 'ms', 'Fault'].map(h => el('th', { scope: 'col' }, h)))), tbody);
  let last = null;
  let seen = new Set();
  // Each change of the filters starts a generation; an answer to a request
  // of an older one (a keystroke before the last, or a live refresh) is
  // dropped, so that the table shows only what the filters now select.
  let generation = 0;
  const load = async (fresh) => {
    if (!fresh && !form.live.checked) return;
    const p = new URLSearchParams({ limit: '200' });
    if (form.method.value) p.set('method', form.method.value);
    if (form.path.value) p.set('path', form.path.value);
    if (/^\d{3}$/.test(form.status.value)) p.set('status', form.status.value);
    if (fresh) { tbody.replaceChildren(); seen = new Set(); last = null; generation++; } else if (last) p.set('since', last);
    const mine = generation;
    let list;
    try { list = await api('requests?' + p); } catch (e) { if (!(e instanceof AuthError)) note.textContent = e.message; return; }
    if (mine !== generation) return;
    for (const r of list) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      last = r.time;
      const cls = r.status === 0 ? 's-drop' : r.status >= 500 ? 's-5xx' : r.status >= 400 ? 's-4xx' : 's-2xx';
      tbody.prepend(el('tr', { class: cls },
        el('td', {}, when(r.time)), el('td', {}, r.method),
        el('td', { class: 'path' }, r.path + (r.query ? '?' + r.query : '')),
        el('td', {}, el('span', { class: 'status ' + cls }, r.status === 0 ? 'dropped' : r.status)),
        el('td', {}, r.user || ''), el('td', { class: 'num' }, r.bytes), el('td', { class: 'num' }, r.durationMs.toFixed(1)),
        el('td', {}, r.fault ? 'rule ' + r.fault : '')));
    }
    while (tbody.childElementCount > 500) tbody.lastChild.remove();
    note.textContent = 'Requests shown: ' + tbody.childElementCount + (form.live.checked ? '; new ones appear as they come.' : '.');
  };
  form.addEventListener('input', (ev) => { if (ev.target.name !== 'live') load(true); });
  form.addEventListener('change', (ev) => { if (ev.target.name === 'live') note.textContent = form.live.checked ? 'Live.' : 'Paused.'; });
  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(true); });
  show(view, el('h2', {}, 'Requests'), form, note, el('div', { class: 'scroll' }, table));
  await load(true);
  every(2000, () => load(false));
}

// ---- controls ---------------------------------------------------------------

let controlStatus = '';

async function controls(view) {
  setTitle('Controls');
  const [clock, faults, ov] = await Promise.all([api('clock'), api('faults'), api('overview')]);
  // The status outlives the redraw that follows an action.
  const out = el('p', { role: 'status', class: 'note', id: 'control-status' }, controlStatus);
  const say = (text) => { controlStatus = text; out.textContent = text; };
  const act = async (what, fn) => {
    say(what + '…');
    try { await fn(); say(what + ': done.'); await refreshClock(); return true; } catch (e) {
      if (!(e instanceof AuthError)) say(what + ' failed: ' + e.message);
      return false;
    }
  };
  const advance = (d) => act('Advance ' + d, () => api('clock', { method: 'POST', body: { advance: d } }));
  const clockBox = el('section', { 'aria-labelledby': 'c-clock' }, el('h3', { id: 'c-clock' }, 'World clock'),
    el('p', {}, 'Now ', when(clock.now), ', ', clock.paused ? 'paused' : 'running at ×' + clock.scale, '.'),
    el('div', { class: 'toolbar' },
      el('button', { type: 'button', id: 'advance-1h', onclick: () => advance('1h') }, 'Advance 1 h'),
      el('button', { type: 'button', onclick: () => advance('24h') }, 'Advance 1 day'),
      el('button', { type: 'button', onclick: () => act(clock.paused ? 'Resume' : 'Pause', () => api('clock', { method: 'POST', body: { paused: !clock.paused } })).then(() => route()) },
        clock.paused ? 'Resume' : 'Pause')),
    formOf('Advance by', [['advance', 'text', '90m', 'Duration (e.g. 90m, 6h)']], v => advance(v.advance)),
    formOf('Time scale', [['scale', 'number', String(clock.scale), 'World seconds per wall second']],
      v => act('Set the scale', () => api('clock', { method: 'POST', body: { scale: Number(v.scale) } })).then(() => route())));

  const vms = [...new Set(ov.policies.flatMap(p => p.vmNames || []))].sort();
  const epi = el('section', { 'aria-labelledby': 'c-epi' }, el('h3', { id: 'c-epi' }, 'Start an episode'),
    el('p', { class: 'muted' }, 'From now on: a VM misses its RPO (its task session ends with the result when the episode ends), or a job’s runs fail on some VMs. The world is written anew with it.'),
    el('datalist', { id: 'vm-list' }, vms.map(v => el('option', { value: v }))),
    formOf('VM failing its RPO', [['vm', 'text', '', 'VM', 'vm-list'], ['duration', 'text', '30m', 'Duration'], ['result', 'select', 'Failed', 'Result'], ['reason', 'text', '', 'Reason (optional)']],
      v => act('Start the episode on ' + v.vm, () => api('episodes', { method: 'POST', body: { vm: v.vm, duration: v.duration, result: v.result, reason: v.reason } }))),
    formOf('Job failing on some VMs', [['job', 'text', '', 'Job'], ['vmCount', 'number', '1', 'VMs failing'], ['duration', 'text', '24h', 'Duration'], ['result', 'select', 'Failed', 'Result']],
      v => act('Start the episode on ' + v.job, () => api('episodes', { method: 'POST', body: { job: v.job, vmCount: Number(v.vmCount), duration: v.duration, result: v.result } }))));

  const rules = el('tbody', {}, faults.map(f => el('tr', {},
    el('td', {}, f.id), el('td', {}, f.method || 'any'), el('td', { class: 'path' }, f.path || 'any'),
    el('td', {}, f.status ? 'status ' + f.status : f.drop ? 'drop' : f.truncate ? 'truncate' : f.slowBody ? 'slow body ' + f.slowBody : '',
      f.delay ? ' delay ' + f.delay : ''),
    el('td', { class: 'num' }, f.hits), el('td', {}, f.count ? f.remaining + ' of ' + f.count : 'until removed'),
    el('td', {}, el('button', { type: 'button', 'aria-label': 'Remove rule ' + f.id,
      onclick: () => act('Remove rule ' + f.id, () => api('faults/' + f.id, { method: 'DELETE' })).then(() => route()) }, 'Remove')))));
  const faultBox = el('section', { 'aria-labelledby': 'c-faults' }, el('h3', { id: 'c-faults' }, 'Fault rules'),
    el('div', { class: 'scroll' }, el('table', { id: 'faults' }, el('caption', {}, faults.length + ' rules, tried in order'),
      el('thead', {}, el('tr', {}, ['Id', 'Method', 'Path', 'Does', 'Hits', 'Count', ''].map(h => el('th', { scope: 'col' }, h)))), rules)),
    formOf('Add a rule', [['method', 'text', 'GET', 'Method (empty: any)'], ['path', 'text', '/api/query*', 'Path (* for any characters)'],
      ['status', 'number', '503', 'Status (empty: none)'], ['delay', 'text', '', 'Delay (e.g. 500ms)'], ['count', 'number', '', 'Count (empty: until removed)']],
    v => {
      const rule = { method: v.method, path: v.path };
      if (v.status) rule.status = Number(v.status);
      if (v.delay) rule.delay = v.delay;
      if (v.count) rule.count = Number(v.count);
      return act('Add the rule', () => api('faults', { method: 'POST', body: rule })).then(ok => ok && route());
    }),
    el('button', { type: 'button', onclick: () => act('Remove every rule', () => api('faults', { method: 'DELETE' })).then(() => route()) }, 'Remove every rule'));

  const reset = el('section', { 'aria-labelledby': 'c-reset' }, el('h3', { id: 'c-reset' }, 'Reset'),
    el('p', { class: 'muted' }, 'Back to the world the server started with: clock, logon sessions, rules and journal too.'),
    el('button', { type: 'button', class: 'danger', onclick: () => {
      if (confirm('Reset the world to the state the server started with?')) act('Reset', () => api('reset', { method: 'POST' })).then(() => route());
    } }, 'Reset the world'));
  show(view, el('h2', {}, 'Controls'), out, el('div', { class: 'grid' }, clockBox, epi, faultBox, reset));
}

// formOf builds a small labelled form; fields are [name, type, value, label, list].
let formSeq = 0;
function formOf(title, fields, submit) {
  const id = 'f' + (++formSeq);
  const f = el('form', { class: 'mini-form', 'aria-labelledby': id }, el('h4', { id }, title),
    fields.map(([name, type, value, label, list]) => {
      const fid = id + '-' + name;
      const input = type === 'select'
        ? el('select', { id: fid, name }, ['Failed', 'Warning'].map(r => el('option', { value: r, selected: r === value }, r)))
        : el('input', { id: fid, name, type, value, list, step: type === 'number' ? 'any' : undefined, size: 14 });
      return el('div', { class: 'field' }, el('label', { for: fid }, label), input);
    }),
    el('button', { type: 'submit' }, title));
  f.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = Object.fromEntries(new FormData(f).entries());
    submit(v);
  });
  return f;
}

// ---- start -----------------------------------------------------------------

document.getElementById('logout').addEventListener('click', logoff);
window.addEventListener('hashchange', route);
route();
