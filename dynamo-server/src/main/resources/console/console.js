// Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
// The dynamo-kv console: renders /status.json every few seconds. Read-only; no dependencies.
"use strict";

const REFRESH_MS = 3000;
const TIMEOUT_MS = 2500; // a node that does not answer by then is said not to
const PALETTE = ["#2e90fa", "#f79009", "#12b76a", "#7a5af8", "#f04438", "#0ba5ec", "#ee46bc",
  "#66c61c", "#875bf7", "#fdb022", "#15b79e", "#e31b54"];
const SVG = "http://www.w3.org/2000/svg";
let previous = null; // the last document, for request rates

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function fill(tbody, rows) {
  tbody.replaceChildren(...rows);
}

function colorOf(members) {
  const ids = members.map((m) => m.id).sort();
  const colors = new Map();
  ids.forEach((id, i) => colors.set(id, PALETTE[i % PALETTE.length]));
  return (id) => colors.get(id) || "#98a2b3";
}

function renderMembers(doc) {
  const rows = doc.members.map((m) => {
    const tr = el("tr", { "data-node": m.id, class: m.reachable ? "reachable" : "unreachable" },
      el("td", {}, m.id + (m.id === doc.node ? " (this node)" : "")),
      el("td", {}, m.address),
      el("td", {}, m.zone || "–"),
      el("td", {}, m.status),
      el("td", { class: m.reachable ? "yes" : "no" }, m.reachable ? "yes" : "no"),
      el("td", { class: "num" }, (100 * m.share).toFixed(1) + " %"),
      el("td", { class: "num" }, m.generation));
    return tr;
  });
  fill(document.querySelector("#members tbody"), rows);
  const unreachable = doc.members.filter((m) => !m.reachable).map((m) => m.id);
  const alert = document.getElementById("alert");
  alert.hidden = unreachable.length === 0;
  alert.textContent = unreachable.length === 0 ? ""
    : doc.node + " cannot reach " + unreachable.join(", ") + ".";
}

function arc(from, to, r0, r1) {
  if (to - from >= 2 * Math.PI - 1e-9) { // one partition: a whole ring, as two halves
    return arc(from, from + Math.PI, r0, r1) + " " + arc(from + Math.PI, to, r0, r1);
  }
  const pt = (a, r) => [(r * Math.sin(a)).toFixed(3), (-r * Math.cos(a)).toFixed(3)];
  const large = to - from > Math.PI ? 1 : 0;
  const [x0, y0] = pt(from, r1), [x1, y1] = pt(to, r1), [x2, y2] = pt(to, r0), [x3, y3] = pt(from, r0);
  return `M${x0} ${y0} A${r1} ${r1} 0 ${large} 1 ${x1} ${y1} L${x2} ${y2} A${r0} ${r0} 0 ${large} 0 ${x3} ${y3} Z`;
}

function renderRing(doc) {
  const ring = document.getElementById("ring");
  const legend = document.getElementById("legend");
  const caption = document.getElementById("ring-caption");
  if (!doc.ring) {
    ring.replaceChildren();
    legend.replaceChildren();
    caption.textContent = "no ring yet";
    return;
  }
  const color = colorOf(doc.members);
  const q = doc.ring.partitions;
  const step = (2 * Math.PI) / q;
  const parts = [];
  doc.ring.owners.forEach((owners, p) => {
    const path = svg("path", { d: arc(p * step, (p + 1) * step, 62, 100), fill: color(owners[0]),
      class: "segment", "data-partition": p });
    const title = svg("title");
    title.textContent = "partition " + p + ": " + owners.join(", ");
    path.append(title);
    parts.push(path);
  });
  const label = svg("text", { x: 0, y: 4 });
  label.textContent = "v" + doc.ring.version;
  parts.push(label);
  ring.replaceChildren(...parts);
  caption.textContent = q + " partitions, " + doc.ring.strategy.toLowerCase().replace(/_/g, " ")
    + "; first owner shown, hover for the " + doc.ring.replicas + " owners";
  const counts = new Map();
  doc.ring.owners.forEach((o) => counts.set(o[0], (counts.get(o[0]) || 0) + 1));
  legend.replaceChildren(...[...counts.keys()].sort().map((id) => {
    const swatch = svg("svg", { viewBox: "0 0 10 10" });
    swatch.append(svg("rect", { width: 10, height: 10, fill: color(id) }));
    return el("li", {}, swatch, id + " (" + counts.get(id) + ")");
  }));
}

function micros(v, count) {
  if (!count || !(v > 0)) return "–";
  return v >= 1000 ? (v / 1000).toFixed(1) + " ms" : v.toFixed(0) + " µs";
}

function renderRequests(doc) {
  const rows = doc.requests.map((r) => {
    let rate = "–";
    if (previous) {
      const before = previous.requests.find((p) => p.op === r.op);
      const seconds = (doc.timeMillis - previous.timeMillis) / 1000;
      if (before && seconds > 0 && r.count >= before.count) { // a restarted node counts afresh
        rate = ((r.count - before.count) / seconds).toFixed(1);
      }
    }
    return el("tr", {}, el("td", {}, r.op), el("td", { class: "num" }, r.count),
      el("td", { class: "num" }, rate), el("td", { class: "num" }, micros(r.p50Micros, r.count)),
      el("td", { class: "num" }, micros(r.p99Micros, r.count)));
  });
  fill(document.querySelector("#requests tbody"), rows);
}

function renderStores(doc) {
  fill(document.querySelector("#stores tbody"), doc.stores.map((s) => el("tr", {},
    el("td", {}, s.name), el("td", { class: "num" }, s.n), el("td", { class: "num" }, s.r),
    el("td", { class: "num" }, s.w), el("td", { class: "num" }, s.maxKeyBytes),
    el("td", { class: "num" }, s.maxValueBytes), el("td", { class: "num" }, s.maxSiblings),
    el("td", { class: "num" }, s.maxBytesPerKey))));
}

function figure(section, name, owner) {
  const st = section.stats.find((x) => x.name === name && (owner === undefined || x.tags.owner === owner));
  return st ? st.value : 0;
}

function age(ms) {
  return ms >= 60000 ? (ms / 60000).toFixed(1) + " min" : (ms / 1000).toFixed(1) + " s";
}

// Hinted handoff, drawn specially: what this node holds for each owner, and how old it is.
function renderHandoff(s) {
  const owners = s.stats.filter((x) => x.name === "owner.hints").map((x) => x.tags.owner);
  const rows = owners.map((o) => el("tr", { "data-owner": o }, el("td", {}, o),
    el("td", { class: "num" }, figure(s, "owner.hints", o)),
    el("td", { class: "num" }, figure(s, "owner.bytes", o)),
    el("td", { class: "num" }, age(figure(s, "owner.oldest.age.ms", o)))));
  const summary = el("p", {}, figure(s, "hints", undefined) + " hints held (" + figure(s, "hint.bytes", undefined)
    + " of " + figure(s, "cap.bytes", undefined) + " bytes allowed); delivered " + figure(s, "delivered", undefined)
    + ", expired " + figure(s, "expired", undefined) + ", refused " + figure(s, "refused", undefined) + ".");
  const table = el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "owner"), el("th", {}, "hints"),
    el("th", {}, "bytes"), el("th", {}, "oldest"))), el("tbody", {}, ...rows));
  return el("section", { class: "card", "data-section": s.name }, el("h2", {}, "Hints held for other nodes"),
    summary, owners.length ? table : el("p", { class: "muted" }, "none for any owner"));
}

const SPECIAL = new Map([["handoff", renderHandoff]]);

// Every status section, whatever protocol added it: a table of its figures (a few drawn specially).
function renderSections(doc) {
  const cards = doc.sections.map((s) => {
    if (SPECIAL.has(s.name)) return SPECIAL.get(s.name)(s);
    const rows = s.stats.map((st) => {
      const tags = Object.entries(st.tags).map(([k, v]) => k + "=" + v).join(" ");
      return el("tr", {}, el("td", {}, st.name), el("td", {}, tags), el("td", { class: "num" }, st.value),
        el("td", { class: "help" }, st.help));
    });
    const table = el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "figure"), el("th", {}, "tags"),
      el("th", {}, "value"), el("th", {}, "meaning"))), el("tbody", {}, ...rows));
    return el("section", { class: "card", "data-section": s.name }, el("h2", {}, s.name), table);
  });
  document.getElementById("sections").replaceChildren(...cards);
}

function render(doc) {
  document.getElementById("node").textContent = "· node " + doc.node;
  document.title = "dynamo-kv · " + doc.node;
  renderMembers(doc);
  renderRing(doc);
  renderRequests(doc);
  renderStores(doc);
  renderSections(doc);
  previous = doc;
  document.getElementById("updated").textContent =
    "updated " + new Date(doc.timeMillis).toLocaleTimeString();
}

// One request at a time, each with a deadline, the next one scheduled when it is done.
async function refresh() {
  let doc = null;
  try {
    const response = await fetch("/status.json",
      { cache: "no-store", signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!response.ok) throw new Error("HTTP " + response.status);
    doc = await response.json();
  } catch (e) {
    const alert = document.getElementById("alert");
    alert.hidden = false;
    alert.textContent = "This node does not answer (" + (e.name === "TimeoutError"
      ? "no answer in " + TIMEOUT_MS / 1000 + " s" : e.message) + "); showing what it last said.";
  }
  if (doc && (!previous || doc.timeMillis >= previous.timeMillis)) {
    try {
      render(doc);
    } catch (e) {
      console.error("console: cannot render /status.json", e); // a bug of the page, not the node
    }
  }
  setTimeout(refresh, REFRESH_MS);
}

document.getElementById("every").textContent = REFRESH_MS / 1000;
refresh();
