// The FlashArb console page: a snapshot, then live server-sent events from /api/events.
// No framework and no CDN: plain DOM and a hand-drawn SVG chart. Auth is the HttpOnly session cookie.
"use strict";

const KEEP = 100;
const model = { opportunities: [], trades: [], pnl: [], totals: {}, lastBlock: null, live: {}, control: {} };
const $ = (id) => document.getElementById(id);

function usd(micro) {
  if (micro === null || micro === undefined) return "-";
  const sign = micro < 0 ? "-" : "";
  return sign + "$" + (Math.abs(micro) / 1e6).toFixed(2);
}
function matic(wei) {
  // wei as an integer or a decimal string (exact past 2**53), truncated to 4 decimals
  if (wei === null || wei === undefined) return "-";
  const w = BigInt(wei);
  const a = w < 0n ? -w : w;
  const frac = (a % 10n ** 18n).toString().padStart(18, "0").slice(0, 4);
  return (w < 0n ? "-" : "") + (a / 10n ** 18n).toString() + "." + frac + " MATIC";
}
function short(hash) { return hash ? hash.slice(0, 10) + "…" : "-"; }
function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "-" : String(text);
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}
function setText(id, text, cls) {
  const el = $(id);
  el.textContent = text;
  if (cls !== undefined) el.className = (el.className.split(" ").includes("value") ? "value " : "") + cls;
}

function renderStatus() {
  const b = model.lastBlock || {};
  const c = model.control || {};
  setText("block", b.block !== undefined ? b.block.toLocaleString() : "-");
  setText("decision-ms", b.decision_ms !== undefined ? b.decision_ms.toFixed(1) : "-");
  setText("block-ms", b.block_ms !== undefined ? b.block_ms.toFixed(1) : "-");
  const paused = c.paused !== undefined ? c.paused : b.paused;
  setText("state", c.state || "-", c.state === "running" ? "good" : c.state === "paused" ? "warn" : "bad");
  setText("paused", paused ? "paused" : "on", paused ? "warn" : "good");
  const breaker = b.breaker || "ok";
  setText("breaker", breaker === "ok" ? "ok" : "TRIPPED", breaker === "ok" ? "good" : "bad");
  $("breaker").title = breaker;
  const cp = model.live.contract_paused;
  setText("contract-paused", cp === true ? "paused" : cp === false ? "active" : "-", cp ? "bad" : "good");
  const bal = model.live.executor_balance_wei;
  setText("balance", bal === null || bal === undefined ? "-" : matic(bal));
  const t = model.totals;
  setText("pnl", usd(t.net_pnl_micro_usd), (t.net_pnl_micro_usd || 0) < 0 ? "bad" : "good");
  setText("profit", usd(t.realised_profit_micro_usd));
  setText("gas", usd(t.gas_spent_micro_usd));
  setText("trade-count", String(t.trades_sent || 0));
  setText("mined", String(t.trades_mined || 0));
  setText("reverted", String(t.trades_reverted || 0));
  setText("pending", String(t.trades_pending || 0));
  setText("blocks", String(t.blocks || 0));
  setText("dropped", String(model.live.dropped_events || 0));
  if (b.block !== undefined) document.title = "FlashArb #" + b.block + (paused ? " (paused)" : "");
}

function renderOpportunities() {
  const body = $("opportunities");
  body.replaceChildren();
  for (const o of model.opportunities.slice().reverse()) {
    const tr = document.createElement("tr");
    cell(tr, o.block);
    cell(tr, o.route, "route").title = o.route;
    cell(tr, o.lender);
    cell(tr, usd(o.predicted_profit_micro_usd));
    cell(tr, usd(o.net_profit_micro_usd));
    cell(tr, o.decision, o.decision === "taken" ? "good" : "muted");
    cell(tr, o.send_error || o.detail);
    body.appendChild(tr);
  }
}

function renderTrades() {
  const body = $("trades");
  body.replaceChildren();
  for (const t of model.trades.slice().reverse()) {
    const tr = document.createElement("tr");
    tr.className = "trade";
    cell(tr, t.block);
    cell(tr, short(t.tx)).title = t.tx;
    cell(tr, t.status, t.status === "mined" ? "good" : "bad");
    cell(tr, t.route, "route").title = t.route || "";
    cell(tr, usd(t.predicted_profit_micro_usd)).title = (t.predicted_profit || "-") + " (token units)";
    cell(tr, usd(t.realised_profit_micro_usd)).title = (t.realised_profit || "-") + " (token units)";
    cell(tr, t.exact ? "yes" : "no", t.exact ? "good" : "warn");
    cell(tr, (t.gas_estimate || "-") + " / " + (t.gas_used || "-"));
    cell(tr, usd(t.gas_fee_micro_usd)).title = matic(t.gas_fee_wei);
    body.appendChild(tr);
  }
}

const SVG = "http://www.w3.org/2000/svg";
function svg(name, attrs) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}
function renderChart() {
  const chart = $("pnl-chart");
  chart.replaceChildren();
  const W = 800, H = 200, L = 60, R = 10, T = 10, B = 20;
  const points = model.pnl.map((p, i) => [p.block !== null ? p.block : i, p.net_pnl_micro_usd / 1e6]);
  if (points.length === 0) {
    chart.appendChild(svg("text", { x: W / 2 - 60, y: H / 2 })).textContent = "no settled trades yet";
    return;
  }
  points.unshift([points[0][0], 0]);
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]).concat([0]);
  let x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y1 += 1; y0 -= 1; }
  const sx = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  chart.appendChild(svg("line", { x1: L, y1: sy(0), x2: W - R, y2: sy(0), class: "axis" }));
  chart.appendChild(svg("line", { x1: L, y1: T, x2: L, y2: H - B, class: "axis" }));
  chart.appendChild(svg("text", { x: 4, y: T + 10 })).textContent = "$" + y1.toFixed(2);
  chart.appendChild(svg("text", { x: 4, y: H - B })).textContent = "$" + y0.toFixed(2);
  chart.appendChild(svg("text", { x: L, y: H - 4 })).textContent = "#" + x0;
  chart.appendChild(svg("text", { x: W - R - 70, y: H - 4 })).textContent = "#" + x1;
  // a step line: PnL holds until the next settled trade
  let d = "";
  points.forEach(([x, y], i) => {
    d += i === 0 ? `M${sx(x).toFixed(1)},${sy(y).toFixed(1)}` : ` H${sx(x).toFixed(1)} V${sy(y).toFixed(1)}`;
  });
  chart.appendChild(svg("path", { d, class: "line", id: "pnl-line" }));
}

let dirty = { status: false, opps: false, trades: false, chart: false };
let frame = 0;
function schedule(parts) {
  Object.assign(dirty, parts);
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    if (dirty.status) renderStatus();
    if (dirty.opps) renderOpportunities();
    if (dirty.trades) renderTrades();
    if (dirty.chart) renderChart();
    dirty = { status: false, opps: false, trades: false, chart: false };
  });
}
function keep(list, item) { list.push(item); if (list.length > KEEP) list.splice(0, list.length - KEEP); }

function onSnapshot(s) {
  model.opportunities = s.opportunities.slice(-KEEP);
  model.trades = s.trades.slice(-KEEP);
  model.pnl = s.pnl;
  model.totals = s.totals;
  model.lastBlock = s.last_block;
  model.live = { contract_paused: s.contract_paused, executor_balance_wei: s.executor_balance_wei, dropped_events: s.dropped_events };
  schedule({ status: true, opps: true, trades: true, chart: true });
}

function connect() {
  const source = new EventSource("/api/events");
  source.onopen = () => { setText("conn", "live", "pill on"); };
  source.onerror = () => { setText("conn", "reconnecting", "pill off"); };
  source.addEventListener("snapshot", (e) => onSnapshot(JSON.parse(e.data)));
  source.addEventListener("opportunity", (e) => { keep(model.opportunities, JSON.parse(e.data)); schedule({ opps: true }); });
  source.addEventListener("trade", (e) => {
    const t = JSON.parse(e.data);
    keep(model.trades, t);
    if (t.this_run && t.block !== null) model.pnl.push({ block: t.block, net_pnl_micro_usd: t.net_pnl_micro_usd });
    schedule({ trades: true, chart: true });
  });
  source.addEventListener("block", (e) => {
    const b = JSON.parse(e.data);
    model.lastBlock = b.last_block;
    model.totals = b.totals;
    model.live = { contract_paused: b.contract_paused, executor_balance_wei: b.executor_balance_wei, dropped_events: b.dropped_events };
    schedule({ status: true });
  });
  source.addEventListener("control", (e) => { model.control = JSON.parse(e.data); schedule({ status: true }); });
}

async function control(command) {
  const buttons = document.querySelectorAll(".controls button");
  buttons.forEach((b) => { b.disabled = true; });
  $("control-message").textContent = command + "…";
  try {
    const response = await fetch("/api/control/" + command, { method: "POST", credentials: "same-origin" });
    const body = await response.json();
    $("control-message").textContent = command + ": " + (body.outcome || "") + " " + (body.message || "");
    if (body.state !== undefined) { model.control = Object.assign({}, model.control, { state: body.state, paused: body.paused }); }
    schedule({ status: true });
  } catch (err) {
    $("control-message").textContent = command + " failed: " + err;
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("btn-pause").addEventListener("click", () => control("pause"));
  $("btn-resume").addEventListener("click", () => control("resume"));
  $("btn-reset-breaker").addEventListener("click", () => control("reset-breaker"));
  const dialog = $("confirm-stop");
  $("btn-stop").addEventListener("click", () => dialog.showModal());
  dialog.addEventListener("close", () => { if (dialog.returnValue === "stop") control("stop"); });
  fetch("/api/status", { credentials: "same-origin" }).then((r) => r.json()).then((s) => {
    model.control = Object.assign({ state: s.state, paused: s.paused }, s.control || {});
    if (s.mode) $("mode").textContent = s.mode;
    schedule({ status: true });
  }).catch(() => {});
  renderChart();
  connect();
});
