// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Peloton-C++'s web UI. Every figure comes from the HTTP/JSON endpoint that serves these files
// (Peloton's v0 procedures, as any client calls them); nothing private. Pages (by the URL's
// hash): #/pools, #/jobs[?state=S&q=word], #/job/<id>[/<instance>], #/hosts. The page in view is read again every
// REFRESH_MS. Text from the scheduler (names, task messages) is only ever set as text, never as
// markup.
'use strict';

const REFRESH_MS = 2000;
const KINDS = ['cpu', 'memory', 'disk', 'gpu'];
const UNITS = {cpu: 'cores', memory: 'MB', disk: 'MB', gpu: 'GPUs'};
const JOB_STATES = ['INITIALIZED', 'PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'KILLED',
                    'KILLING', 'UNINITIALIZED'];

// One v0 procedure, e.g. call('JobManager.Get', {id: {value: id}}).
async function call(procedure, request) {
  const response = await fetch('/api/v1', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Rpc-Procedure': procedure,
      'Rpc-Service': 'peloton-jobmgr',
      'Rpc-Caller': 'peloton-ui',
      'Rpc-Encoding': 'json',
      'Context-TTL-MS': '5000',
    },
    body: JSON.stringify(request || {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${procedure}: ${response.status} ${text}`);
  const reply = JSON.parse(text);
  if (reply.error && Object.keys(reply.error).length > 0) {
    throw new Error(`${procedure}: ${JSON.stringify(reply.error)}`);
  }
  return reply;
}

// An element with attributes (`on*` ones are listeners) and children (strings become text).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key.startsWith('on')) {
      e.addEventListener(key.slice(2), value);
    } else if (value !== undefined && value !== null && value !== false) {
      e.setAttribute(key, value);
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    e.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return e;
}

function table(headings, rows, attrs) {
  return el('table', attrs, el('tr', null, headings.map((h) => el('th', null, h))), rows);
}

function stateCell(state) {
  return el('td', {class: `state-${state || ''}`}, state || '');
}

function number(x) {
  return Number.isInteger(x) ? String(x) : (x || 0).toFixed(2).replace(/\.?0+$/, '');
}

// A bar of `value` out of `scale`.
function bar(kind, value, scale) {
  const width = scale > 0 ? Math.min(100, (100 * (value || 0)) / scale) : 0;
  return el('div', {class: 'bar'}, el('div', {class: `fill ${kind}`, style: `width:${width}%`}));
}

// JSON as YAML (block style), for configs.
// A string YAML would read as something else (or not at all) is quoted.
const NEEDS_QUOTES = /^[\s\-?:,[\]{}#&*!|>'"%@`]|: |\s#|\s$|^(true|false|null|~|[\d.+-].*)$/i;
function scalar(v) {
  if (typeof v !== 'string') return String(v);
  return v === '' || NEEDS_QUOTES.test(v) ? JSON.stringify(v) : v;
}
function yaml(v, indent) {
  if (v === null || typeof v !== 'object') return ' ' + scalar(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return ' []';
    return v.map((x) => '\n' + indent + '-' + yaml(x, indent + '  ').replace(/^\n\s*/, ' '))
        .join('');
  }
  const keys = Object.keys(v);
  if (keys.length === 0) return ' {}';
  return keys.map((k) => '\n' + indent + k + ':' + yaml(v[k], indent + '  ')).join('');
}

function time(t) {
  return t ? t.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
}

// --- Pages. Each renders into `out` (a fresh element) from what it reads now.

async function poolsPage(out) {
  const {resourcePools = []} = await call('ResourceManager.Query', {});
  const byId = new Map(resourcePools.map((p) => [p.id.value, p]));
  const depth = (p) =>
    (p.parent && byId.has(p.parent.value) ? 1 + depth(byId.get(p.parent.value)) : 0);
  resourcePools.sort((a, b) => a.path.value.localeCompare(b.path.value));
  out.append(el('h2', null, `Resource pools (${resourcePools.length})`));
  for (const p of resourcePools) {
    const config = {};
    for (const r of (p.config && p.config.resources) || []) config[r.kind] = r;
    const usage = {};
    for (const u of p.usage || []) usage[u.kind] = u;
    const rows = [];
    for (const kind of KINDS) {
      const c = config[kind] || {};
      const u = usage[kind] || {};
      const values = {reservation: c.reservation || 0, entitlement: u.entitlement || 0,
                      allocation: u.allocation || 0, demand: u.demand || 0};
      const scale = Math.max(c.limit || 0, ...Object.values(values));
      if (scale === 0) continue;
      let first = true;  // the kind is named on its first row
      for (const [name, value] of Object.entries(values)) {
        rows.push(el('span', {class: 'label'}, first ? kind : ''),
                  el('span', {class: 'label'}, name),
                  bar(name, value, scale),
                  el('span', {'data-kind': kind, 'data-measure': name},
                     `${number(value)} of ${number(c.limit || scale)} ${UNITS[kind]}`));
        first = false;
      }
    }
    out.append(el('div', {class: 'pool', 'data-pool': p.path.value,
                          style: `margin-left:${24 * depth(p)}px`},
                  el('div', {class: 'path'}, p.path.value, ' ',
                     el('small', null, p.id.value)),
                  el('div', {class: 'kind'}, rows)));
  }
}

// The jobs page's filter, kept in the URL (#/jobs?state=RUNNING&q=word) so that it can be shared.
const jobFilter = {state: '', search: ''};

function setJobFilter() {
  const params = new URLSearchParams();
  if (jobFilter.state) params.set('state', jobFilter.state);
  if (jobFilter.search) params.set('q', jobFilter.search);
  history.replaceState(null, '', `#/jobs${params.toString() ? '?' + params : ''}`);
  refresh();
}

function jobsControls(params) {
  jobFilter.state = params.get('state') || '';
  jobFilter.search = params.get('q') || '';
  const select = el('select', {id: 'job-state', onchange: (e) => {
    jobFilter.state = e.target.value;
    setJobFilter();
  }}, el('option', {value: ''}, 'any state'),
      JOB_STATES.map((s) => el('option', {value: s, selected: jobFilter.state === s}, s)));
  const search = el('input', {id: 'job-search', placeholder: 'name or keyword',
                              value: jobFilter.search, oninput: (e) => {
                                jobFilter.search = e.target.value.trim();
                                setJobFilter();
                              }});
  return el('div', {class: 'controls'}, select, search);
}

async function jobsPage(out) {
  const spec = {pagination: {limit: 200}};
  if (jobFilter.state) spec.jobStates = [jobFilter.state];
  if (jobFilter.search) spec.keywords = [jobFilter.search];
  const {results = [], pagination = {}} = await call('JobManager.Query', {spec, summaryOnly: true});
  out.append(el('h2', null, `Jobs (${results.length} of ${pagination.total || 0})`));
  out.append(table(['Job', 'Name', 'Type', 'State', 'Instances', 'Owner', 'Created'],
                   results.map((j) => el('tr', {'data-job': j.id.value},
                                         el('td', null, el('a', {href: `#/job/${j.id.value}`},
                                                           j.id.value)),
                                         el('td', null, j.name || ''),
                                         el('td', null, j.type || 'BATCH'),
                                         stateCell(j.runtime && j.runtime.state),
                                         el('td', null, j.instanceCount || 0),
                                         el('td', null, j.owner || j.owningTeam || ''),
                                         el('td', null,
                                            time(j.runtime && j.runtime.creationTime)))),
                   {id: 'jobs'}));
}

async function jobPage(out, id, instance) {
  const [{jobInfo}, list, updates] = await Promise.all([
    call('JobManager.Get', {id: {value: id}}),
    call('TaskManager.List', {jobId: {value: id}}),
    call('UpdateService.ListUpdates', {jobID: {value: id}}).catch(() => ({updateInfo: []})),
  ]);
  const r = jobInfo.runtime || {};
  const c = jobInfo.config || {};
  out.append(el('h2', null, `Job ${c.name || ''} `, el('small', null, id)));
  out.append(table(['State', 'Goal', 'Type', 'Instances', 'Tasks', 'Created', 'Completed'], [
    el('tr', {id: 'job-summary'}, stateCell(r.state), el('td', null, r.goalState || ''),
       el('td', null, c.type || 'BATCH'), el('td', null, c.instanceCount || 0),
       el('td', null, Object.entries(r.taskStats || {}).map(([s, n]) => `${s}: ${n}`).join(', ')),
       el('td', null, time(r.creationTime)), el('td', null, time(r.completionTime))),
  ]));
  const tasks = Object.values((list.result && list.result.value) || {})
      .sort((a, b) => (a.instanceId || 0) - (b.instanceId || 0));
  out.append(el('h2', null, `Tasks (${tasks.length})`));
  out.append(table(['Instance', 'State', 'Host', 'Health', 'Run', 'Started', 'Message'],
                   tasks.map((t) => {
                     const tr = t.runtime || {};
                     const i = t.instanceId || 0;
                     return el('tr', {'data-instance': i},
                               el('td', null, el('a', {href: `#/job/${id}/${i}`}, i)),
                               stateCell(tr.state), el('td', null, tr.host || ''),
                               stateCell(['INVALID', 'DISABLED'].includes(tr.healthy)
                                             ? '' : tr.healthy),
                               el('td', null, (tr.mesosTaskId && tr.mesosTaskId.value) || ''),
                               el('td', null, time(tr.startTime)),
                               el('td', null, tr.message || ''));
                   }), {id: 'tasks'}));
  if (instance !== undefined) {
    const {result = []} = await call('TaskManager.GetPodEvents',
                                     {jobId: {value: id}, instanceId: Number(instance)});
    out.append(el('h2', null, `Pod events of instance ${instance}`));
    out.append(table(['Time', 'Run', 'State', 'Goal', 'Host', 'Health', 'Message'],
                     result.map((e) => el('tr', null, el('td', null, time(e.timestamp)),
                                          el('td', null, (e.taskId && e.taskId.value) || ''),
                                          stateCell(e.actualState),
                                          el('td', null, e.goalState || ''),
                                          el('td', null, e.hostname || ''),
                                          el('td', null, e.healthy || ''),
                                          el('td', null, e.message || ''))),
                     {id: 'events'}));
  }
  const infos = updates.updateInfo || [];
  out.append(el('h2', null, `Updates (${infos.length})`));
  out.append(table(['Update', 'State', 'Done', 'Failed', 'Remaining', 'Config version'],
                   infos.map((u) => {
                     const s = u.status || {};
                     return el('tr', null, el('td', null, u.updateId.value), stateCell(s.state),
                               el('td', null, s.numTasksDone || 0),
                               el('td', null, s.numTasksFailed || 0),
                               el('td', null, s.numTasksRemaining || 0),
                               el('td', null, u.configVersion || ''));
                   }), {id: 'updates'}));
  out.append(el('h2', null, 'Config'));
  out.append(el('pre', {class: 'yaml', id: 'config'}, yaml(c, '').trimStart()));
}

async function hostsPage(out) {
  const {hostInfos = []} = await call('HostService.QueryHosts', {});
  hostInfos.sort((a, b) => a.hostname.localeCompare(b.hostname));
  out.append(el('h2', null, `Hosts (${hostInfos.length})`));
  out.append(table(['Host', 'State', 'Tasks', ...KINDS.map((k) => `${k} (${UNITS[k]})`)],
                   hostInfos.map((h) => el('tr', {'data-host': h.hostname},
                                           el('td', null, h.hostname), stateCell(h.state),
                                           el('td', null, h.tasks || 0),
                                           KINDS.map((k) => {
                                             const cap = (h.capacity || {})[k] || 0;
                                             const used = (h.allocated || {})[k] || 0;
                                             return el('td', null, bar('capacity', used, cap),
                                                       `${number(used)} of ${number(cap)}`);
                                           }))),
                   {id: 'hosts'}));
}

// --- Routing and refreshing.

let current = null;  // the page in view: {render, controls}

function route() {
  const [where, query] = location.hash.replace(/^#\/?/, '').split('?');
  const params = new URLSearchParams(query || '');
  const [name, id, instance] = where.split('/');
  const pages = {
    pools: {render: poolsPage},
    jobs: {render: jobsPage, controls: jobsControls},
    job: {render: (out) => jobPage(out, id, instance)},
    hosts: {render: hostsPage},
  };
  current = pages[name] || pages.pools;
  for (const a of document.querySelectorAll('header nav a')) {
    a.classList.toggle('active', a.id === `nav-${name === 'job' ? 'jobs' : name || 'pools'}`);
  }
  const page = document.getElementById('page');
  page.replaceChildren(current.controls ? current.controls(params) : '',
                       el('div', {id: 'content'}));
  refresh();
}

let latest = 0;  // the newest refresh: an older one that ends after it is dropped

async function refresh() {
  if (current === null) return;
  const generation = ++latest;
  const errors = document.getElementById('error');
  try {
    const out = el('div');
    await current.render(out);
    if (generation !== latest) return;
    const content = document.getElementById('content');
    if (content) content.replaceChildren(...out.childNodes);
    errors.hidden = true;
    document.getElementById('refreshed').textContent =
        `refreshed ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    if (generation !== latest) return;
    errors.textContent = e.message;
    errors.hidden = false;
  }
}

window.addEventListener('hashchange', route);
route();
setInterval(refresh, REFRESH_MS);
