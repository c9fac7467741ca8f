/* global uPlot, localStorage, ResizeObserver, Option */
// The live dashboard: initial state from the REST API, then /v1/stream (Server-Sent Events).
// Plain browser JavaScript, no build step; uPlot is served by the API from node_modules.
(() => {
  'use strict';

  const MAX_POINTS = 600;
  const COLORS = ['#58a6ff', '#3fb950', '#d29922', '#f85149', '#bc8cff', '#39c5cf', '#ff7b72', '#a5d6ff'];
  const color = (i) => COLORS[i % COLORS.length];
  const $ = (id) => document.getElementById(id);

  let apiKey = localStorage.getItem('streamlearn.apiKey') || '';

  async function api(path, init = {}) {
    const headers = { ...(init.headers || {}) };
    if (apiKey) headers['x-api-key'] = apiKey;
    const res = await fetch(path, { ...init, headers });
    if (res.status === 401) {
      askForKey();
      throw new Error('API key required');
    }
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return res.json();
  }

  function askForKey() {
    setStatus('error', 'API key required');
    const form = $('key-form');
    form.hidden = false;
    form.onsubmit = (e) => {
      e.preventDefault();
      apiKey = $('key-input').value.trim();
      localStorage.setItem('streamlearn.apiKey', apiKey);
      window.location.reload();
    };
  }

  function setStatus(state, text) {
    const el = $('status');
    el.dataset.state = state;
    el.textContent = text;
  }

  // ── charts ──────────────────────────────────────────────────────────────────
  /** A uPlot chart that resizes with its container and reports its point count for tests. */
  function makeChart(el, series, scales, axes) {
    const width = () => Math.max(300, el.clientWidth);
    const opts = {
      width: width(),
      height: 220,
      scales: { x: { time: true }, ...(scales || {}) },
      series: [{}, ...series],
      axes: axes || [
        { stroke: '#8a96a3', grid: { stroke: '#26313d' } },
        { stroke: '#8a96a3', grid: { stroke: '#26313d' } },
      ],
      legend: { live: true },
    };
    const data = [[], ...series.map(() => [])];
    const plot = new uPlot(opts, data, el);
    new ResizeObserver(() => plot.setSize({ width: width(), height: 220 })).observe(el);
    return plot;
  }

  function setData(el, plot, data) {
    plot.setData(data);
    el.dataset.points = String(data[0].length);
  }

  const axis = (scale, side, label) => ({
    scale,
    side,
    label,
    stroke: '#8a96a3',
    grid: { show: side === 3, stroke: '#26313d' },
  });

  /** Appends one sample (x in seconds) to column arrays, keeping the last MAX_POINTS. */
  function push(cols, values) {
    values.forEach((v, i) => cols[i].push(v));
    if (cols[0].length > MAX_POINTS) cols.forEach((c) => c.shift());
  }

  // Throughput: events/s and total consumer lag.
  const tpEl = $('chart-throughput');
  const tpCols = [[], [], []];
  const tpPlot = makeChart(
    tpEl,
    [
      { label: 'events/s', stroke: color(0), scale: 'eps', width: 2 },
      { label: 'lag (records)', stroke: color(2), scale: 'lag' },
    ],
    { eps: { auto: true }, lag: { auto: true } },
    [{ stroke: '#8a96a3', grid: { stroke: '#26313d' } }, axis('eps', 3, 'events/s'), axis('lag', 1, 'lag')],
  );
  function onThroughput(d) {
    const lag = d.lag ? Object.values(d.lag).reduce((a, b) => a + b, 0) : null;
    push(tpCols, [d.at / 1000, d.eventsPerSecond, lag]);
    setData(tpEl, tpPlot, tpCols);
  }

  // Model: prequential accuracy and loss of the first model.
  const modelEl = $('chart-model');
  const modelCols = [[], [], []];
  let modelName = null;
  const modelPlot = makeChart(
    modelEl,
    [
      { label: 'accuracy', stroke: color(1), scale: 'acc', width: 2 },
      { label: 'loss', stroke: color(3), scale: 'loss' },
    ],
    { acc: { range: [0, 1] }, loss: { auto: true } },
    [{ stroke: '#8a96a3', grid: { stroke: '#26313d' } }, axis('acc', 3, 'accuracy'), axis('loss', 1, 'loss')],
  );
  const pick = (m, names) => {
    for (const n of names) if (typeof m[n] === 'number') return m[n];
    return null;
  };
  function onModelMetrics(d) {
    if (modelName === null) {
      modelName = d.model;
      $('model-name').textContent = d.model;
    }
    if (d.model !== modelName) return;
    const m = d.metrics || {};
    const acc = pick(m, ['accuracy', 'acc']);
    const loss = pick(m, ['logLoss', 'log_loss', 'loss', 'rmse', 'mae']);
    push(modelCols, [(d.at || Date.now()) / 1000, acc, loss]);
    setData(modelEl, modelPlot, modelCols);
  }

  // Drift: one line per feature and its drift threshold (dashed, same colour).
  const driftEl = $('chart-drift');
  let driftFeatures = [];
  let driftCols = [[]];
  let driftPlot = null;
  function rebuildDrift(features) {
    driftFeatures = features;
    const series = [];
    features.forEach((f, i) => {
      series.push({ label: f, stroke: color(i), width: 2 });
      series.push({ label: `${f} threshold`, stroke: color(i), dash: [6, 4], width: 1 });
    });
    driftCols = [[], ...series.map(() => [])];
    if (driftPlot) driftPlot.destroy();
    driftPlot = makeChart(driftEl, series);
  }
  function onDrift(d) {
    const features = Array.isArray(d) ? d : d.features || [];
    if (features.length === 0) return;
    const names = features.map((f) => f.feature).sort();
    if (names.join('\u0001') !== driftFeatures.join('\u0001')) rebuildDrift(names);
    const byName = new Map(features.map((f) => [f.feature, f]));
    const at = d.at || Math.max(...features.map((f) => f.evaluatedAt || 0)) || Date.now();
    const row = [at / 1000];
    for (const n of driftFeatures) {
      const f = byName.get(n);
      row.push(f ? f.value : null, f && f.threshold ? f.threshold.drift : null);
    }
    push(driftCols, row);
    setData(driftEl, driftPlot, driftCols);
    const states = $('drift-states');
    states.replaceChildren(
      ...features.map((f) => {
        const li = document.createElement('li');
        li.dataset.state = f.state;
        li.dataset.feature = f.feature;
        li.textContent = `${f.feature}: ${f.state} (${f.measure} ${Number(f.value).toFixed(3)})`;
        return li;
      }),
    );
  }

  // Window: one aggregate of the chosen window, one line per group, x = window start.
  const winEl = $('chart-window');
  const winSelect = $('window-select');
  const aggSelect = $('aggregate-select');
  let windows = [];
  let winRows = new Map(); // `${group}\u0001${start}` → row
  let winGroups = [];
  let winPlot = null;
  const currentWindow = () => windows.find((w) => w.name === winSelect.value);
  const groupOf = (w, row) => (w.groupBy.length ? w.groupBy.map((g) => String(row[g])).join(' · ') : 'all');
  function addWindowRows(rows) {
    const w = currentWindow();
    if (!w) return;
    for (const r of rows) {
      if (r.retracted === true) continue;
      winRows.set(`${groupOf(w, r)}\u0001${r[w.timeColumn]}`, r);
    }
    if (winRows.size > 20000) {
      const keys = [...winRows.keys()].slice(0, winRows.size - 20000);
      for (const k of keys) winRows.delete(k);
    }
    renderWindow();
  }
  function renderWindow() {
    const w = currentWindow();
    if (!w) return;
    const agg = aggSelect.value;
    const groups = [...new Set([...winRows.values()].map((r) => groupOf(w, r)))].sort().slice(0, 12);
    if (!winPlot || groups.join('\u0001') !== winGroups.join('\u0001')) {
      winGroups = groups;
      if (winPlot) winPlot.destroy();
      winPlot = makeChart(
        winEl,
        groups.map((g, i) => ({ label: g, stroke: color(i), width: 2, spanGaps: true })),
      );
    }
    const starts = [...new Set([...winRows.values()].map((r) => r[w.timeColumn]))].sort((a, b) => a - b);
    const recent = starts.slice(-MAX_POINTS);
    const data = [recent.map((s) => s / 1000)];
    for (const g of groups) {
      data.push(
        recent.map((s) => {
          const r = winRows.get(`${g}\u0001${s}`);
          const v = r ? r[agg] : null;
          return typeof v === 'number' ? v : null;
        }),
      );
    }
    setData(winEl, winPlot, data);
  }
  async function loadWindow() {
    winRows = new Map();
    winGroups = [];
    const w = currentWindow();
    if (!w) return;
    aggSelect.replaceChildren(...w.aggregates.map((a) => new Option(a, a)));
    try {
      const res = await api(`/v1/windows/${encodeURIComponent(w.name)}?limit=2000`);
      addWindowRows(res.rows);
    } catch (err) {
      console.warn(err);
    }
  }
  winSelect.onchange = loadWindow;
  aggSelect.onchange = () => {
    winGroups = [];
    renderWindow();
  };

  // Alerts, newest first.
  const alertsEl = $('alerts');
  const seenAlerts = new Set();
  /** `x1 · psi 0.452 ≥ 0.25 · drift (critical)`: the facts an operator scans for. */
  function describeAlert(a) {
    const num = (v) =>
      typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3)) : null;
    const value = num(a.value);
    const threshold = num(a.threshold);
    const score = value === null ? '' : ` ${value}${threshold === null ? '' : ` vs ${threshold}`}`;
    const parts = [
      a.feature,
      `${a.measure || ''}${score}`.trim(),
      `${a.state || ''}${a.severity ? ` (${a.severity})` : ''}`,
    ];
    return parts.filter(Boolean).join(' · ');
  }

  function addAlert(a, atTop) {
    if (seenAlerts.has(a.id)) return;
    seenAlerts.add(a.id);
    const li = document.createElement('li');
    li.dataset.alertId = a.id;
    if (a.state) li.dataset.state = a.state;
    const at = a.eventTime || a.at || a.raisedAt || a.evaluatedAt || a.ts;
    const time = document.createElement('time');
    time.textContent = at ? new Date(at).toISOString().replace('T', ' ').slice(0, 19) : '';
    const text = document.createElement('span');
    text.textContent = a.message || describeAlert(a);
    li.append(time, text);
    if (atTop) alertsEl.prepend(li);
    else alertsEl.append(li);
    while (alertsEl.children.length > 200) alertsEl.lastElementChild.remove();
    $('alert-count').textContent = `${seenAlerts.size}`;
  }

  // ── start: initial fetches, then the live stream ────────────────────────────
  async function init() {
    try {
      const p = await api('/v1/pipeline');
      $('pipeline').textContent = p.pipeline;
      windows = p.windowDetails || [];
      winSelect.replaceChildren(...windows.map((w) => new Option(w.name, w.name)));
      await loadWindow();
    } catch (err) {
      console.warn(err);
    }
    await Promise.all([
      api('/v1/models')
        .then((r) => {
          const m = r.models[0];
          if (m && m.metrics) onModelMetrics({ model: m.name, at: Date.now(), metrics: m.metrics.rolling });
        })
        .catch((err) => console.warn(err)),
      api('/v1/drift')
        .then((r) => onDrift({ features: r.features }))
        .catch((err) => console.warn(err)),
      api('/v1/alerts?limit=100')
        .then((r) => r.alerts.forEach((a) => addAlert(a, false)))
        .catch((err) => console.warn(err)),
    ]);
    connect();
  }

  function connect() {
    const url = `/v1/stream${apiKey ? `?key=${encodeURIComponent(apiKey)}` : ''}`;
    const es = new EventSource(url); // reconnects by itself, sending Last-Event-ID
    es.onopen = () => setStatus('live', 'live');
    es.onerror = () => setStatus('error', 'reconnecting…');
    const on = (type, fn) =>
      es.addEventListener(type, (e) => {
        try {
          fn(JSON.parse(e.data));
        } catch (err) {
          console.warn(type, err);
        }
      });
    on('throughput', onThroughput);
    on('metrics', onModelMetrics);
    on('drift', onDrift);
    on('alert', (a) => addAlert(a, true));
    on('window', (d) => {
      if (d.window === winSelect.value) addWindowRows(d.rows);
    });
  }

  init();
})();
