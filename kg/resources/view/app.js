/* ZoneKG view: draws the graph with vis-network and explains the nodes in a side panel.
   All text from documents goes into the page as text (textContent, createTextNode, setAttribute), never as HTML. */
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("kg-data").textContent);
  const CLASSES = DATA.classes;
  const RELATIONS = DATA.relations;
  const byId = DATA.nodes;
  const view = window.kgView = {ready: false, readyMs: null, selected: null, data: DATA};
  let resolveReady;
  view.whenReady = new Promise(function (resolve) { resolveReady = resolve; });
  const hiddenClasses = new Set();
  let zoneFilter = null;
  const isHidden = new Uint8Array(byId.length);

  function el(tag, text, attrs) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  function classLabel(cls) { return CLASSES[cls] ? CLASSES[cls].label : cls; }

  // ---------------------------------------------------------------- the network
  const options = DATA.options;
  options.groups = {};
  for (const cls in CLASSES) {
    const c = CLASSES[cls];
    options.groups[cls] = {shape: c.shape, color: {background: c.color, border: c.color,
      highlight: {background: c.color, border: "#222"}, hover: {background: c.color, border: "#444"}}};
    if (c.shape === "box") options.groups[cls].font = {color: "#222"};
  }
  const nodes = new vis.DataSet(byId.map(n => ({id: n.id, label: n.label, group: n.cls, value: n.value, x: n.x, y: n.y})));
  // relations between the same two nodes share one drawn edge, their labels joined
  const drawn = new Map();
  for (const e of DATA.edges) {
    const key = e[0] + ">" + e[1];
    const label = RELATIONS[e[2]] || e[2];
    if (drawn.has(key)) drawn.get(key).label += "、" + label;
    else drawn.set(key, {id: key, from: e[0], to: e[1], label: label});
  }
  const edges = new vis.DataSet(Array.from(drawn.values()));
  const container = document.getElementById("mynetwork");
  const network = new vis.Network(container, {nodes: nodes, edges: edges}, options);
  Object.assign(view, {network: network, nodes: nodes, edges: edges});

  const status = document.getElementById("status");
  function summary() {
    let text = byId.length + " 个节点 nodes · " + DATA.edges.length + " 条边 edges";
    if (DATA.leftOut.nodes) text += " · 另有 " + DATA.leftOut.nodes + " 个连接较少的节点未显示 (left out)";
    return text;
  }
  // ready = laid out, physics frozen, and drawn once: small graphs stabilise first, large ones come with positions
  function onReady() {
    view.ready = true;
    view.readyMs = performance.now();
    status.textContent = summary();
    resolveReady(view.readyMs);
  }
  const physicsBox = document.getElementById("physics");
  physicsBox.checked = DATA.layout === "physics";
  if (DATA.layout === "physics") {
    status.textContent = "布局中 laying out …";
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({physics: {enabled: false}});
      physicsBox.checked = false;
      network.once("afterDrawing", onReady);
      network.redraw();
    });
  } else {
    network.once("afterDrawing", onReady);
  }
  physicsBox.addEventListener("change", function () {
    network.setOptions({physics: {enabled: physicsBox.checked, stabilization: {enabled: false}}});
  });

  // ---------------------------------------------------------------- filters: classes and zones
  let inZone = null;  // with a zone chosen: its group and the nodes linked to it (shared honors, places …)
  function applyFilters() {
    const updates = [];
    for (const n of byId) {
      const hide = hiddenClasses.has(n.cls) || (inZone !== null && !inZone.has(n.id));
      if (hide !== !!isHidden[n.id]) {
        isHidden[n.id] = hide ? 1 : 0;
        updates.push({id: n.id, hidden: hide});
      }
    }
    if (updates.length) nodes.update(updates);
  }
  const legend = document.getElementById("legend");
  for (const cls of Object.keys(CLASSES)) {
    const c = CLASSES[cls];
    const box = el("input", null, {type: "checkbox", "data-class": cls});
    box.checked = true;
    box.addEventListener("change", function () {
      if (box.checked) hiddenClasses.delete(cls); else hiddenClasses.add(cls);
      applyFilters();
    });
    const sw = el("span", null, {class: "swatch " + c.shape, "aria-hidden": "true"});
    sw.style.background = c.color;
    const label = el("label", null, {title: cls});
    label.append(box, sw, document.createTextNode(c.label + " "), el("span", c.count, {class: "count"}));
    legend.append(label);
  }
  const zoneSelect = document.getElementById("zone");
  if (DATA.zones.length > 1) {
    const size = {};
    for (const n of byId) size[n.zone] = (size[n.zone] || 0) + 1;
    const zones = DATA.zones.slice().sort((a, b) => byId[a].label.localeCompare(byId[b].label, "zh"));
    for (const z of zones) zoneSelect.append(el("option", byId[z].label + " (" + size[z] + ")", {value: String(z)}));
    document.getElementById("zone-box").hidden = false;
    zoneSelect.addEventListener("change", function () {
      zoneFilter = zoneSelect.value === "" ? null : Number(zoneSelect.value);
      inZone = null;
      if (zoneFilter !== null) {
        inZone = new Set();
        for (const n of byId) if (n.zone === zoneFilter) inZone.add(n.id);
        for (const e of DATA.edges) {
          if (byId[e[0]].zone === zoneFilter) inZone.add(e[1]);
          if (byId[e[1]].zone === zoneFilter) inZone.add(e[0]);
        }
      }
      applyFilters();
      network.fit({nodes: byId.filter(n => !isHidden[n.id] && (zoneFilter === null || n.zone === zoneFilter)).map(n => n.id),
                   animation: false});
    });
  }

  // ---------------------------------------------------------------- the side panel
  const adjacency = byId.map(() => []);
  DATA.edges.forEach(function (e) {
    adjacency[e[0]].push({other: e[1], pred: e[2], out: true, ev: e[3]});
    if (e[0] !== e[1]) adjacency[e[1]].push({other: e[0], pred: e[2], out: false, ev: e[3]});
  });
  function highlight(sentence, words) {
    const frag = document.createDocumentFragment();
    const hits = words.filter(w => w && sentence.indexOf(w) >= 0);
    let rest = sentence;
    while (rest.length) {
      let best = -1, word = "";
      for (const w of hits) {
        const i = rest.indexOf(w);
        if (i >= 0 && (best < 0 || i < best || (i === best && w.length > word.length))) { best = i; word = w; }
      }
      if (best < 0) { frag.append(document.createTextNode(rest)); break; }
      frag.append(document.createTextNode(rest.slice(0, best)), el("mark", word));
      rest = rest.slice(best + word.length);
    }
    return frag;
  }
  function source(evIndex) {
    const ev = DATA.evidence[evIndex];
    const doc = ev && ev[1] >= 0 ? DATA.documents[ev[1]] : null;
    if (!doc) return "";
    return doc[0] && doc[1] && doc[0] !== doc[1] ? "《" + doc[0] + "》 " + doc[1] : (doc[0] || doc[1]);
  }
  function nodeLink(id) {
    const b = el("button", byId[id].label, {type: "button", class: "link", title: classLabel(byId[id].cls)});
    b.addEventListener("click", function () { choose(id); });
    return b;
  }
  function evidenceBlock(evIndex, words) {
    const d = el("div", null, {class: "evidence"});
    d.append(highlight(DATA.evidence[evIndex][0], words), el("div", "— " + source(evIndex), {class: "muted"}));
    return d;
  }
  function showNode(id) {
    const n = byId[id];
    const panel = document.getElementById("panel");
    panel.replaceChildren();
    if (!n) return;
    const c = CLASSES[n.cls] || {color: "#999", label: n.cls};
    const badge = el("span", c.label, {class: "badge"});
    badge.style.background = c.color;
    const cls = el("div", null, {class: "class"});
    cls.append(badge, el("span", [n.cls].concat(n.extra || []).join(", "), {class: "muted"}));
    panel.append(el("h2", n.label), cls);
    if (n.zone >= 0 && n.zone !== n.id) {
      const p = el("p", "所属开发区 zone: ", {class: "zone"});
      p.append(nodeLink(n.zone));
      panel.append(p);
    }
    if (n.aliases && n.aliases.length) panel.append(el("p", "别名 aliases: " + n.aliases.join("、"), {class: "aliases"}));
    const words = [n.label].concat(n.aliases || []);
    if (n.figs && n.figs.length) {
      panel.append(el("h3", "指标 figures (" + n.figs.length + ")"));
      const t = el("table", null, {class: "figures"});
      const head = el("tr");
      for (const h of ["指标 measure", "数值 value", "时期 period"]) head.append(el("th", h));
      t.append(head);
      for (const f of n.figs) {
        const fig = DATA.figures[f];
        const r = el("tr");
        if (fig[6] >= 0) r.setAttribute("title", DATA.evidence[fig[6]][0]);
        // as written (143家, 1968.4万元, 超14件), then the normalised value with its qualifier when that differs
        const value = el("td", fig[1] || fig[2] + fig[3]);
        const plain = t => t.replace(/[,\s]/g, "");
        if (fig[2] && (fig[4] || plain(fig[1]) !== plain(fig[2] + fig[3]))) {
          value.append(el("div", (fig[4] ? fig[4] + " " : "= ") + fig[2] + " " + fig[3], {class: "muted"}));
        }
        r.append(el("td", fig[0]), value, el("td", fig[5]));
        t.append(r);
        if (n.cls === "Indicator") words.push(fig[1], fig[0]);
      }
      panel.append(t);
    }
    const rels = adjacency[id];
    if (rels.length) {
      panel.append(el("h3", "关系 relations (" + rels.length + ")"));
      const ul = el("ul", null, {class: "relations"});
      const sorted = rels.slice().sort((a, b) => (b.out - a.out) || a.pred.localeCompare(b.pred) ||
        byId[a.other].label.localeCompare(byId[b.other].label, "zh"));
      for (const r of sorted) {
        const li = el("li");
        const label = el("span", RELATIONS[r.pred] || r.pred, {class: "rel"});
        if (r.out) li.append(label, document.createTextNode(" → "), nodeLink(r.other));
        else li.append(nodeLink(r.other), document.createTextNode(" "), label, document.createTextNode(" → 本节点"));
        if (r.ev.length) li.setAttribute("title", DATA.evidence[r.ev[0]][0]);
        ul.append(li);
      }
      panel.append(ul);
    }
    if (n.ev && n.ev.length) {
      panel.append(el("h3", "证据 evidence (" + n.ev.length + ")"));
      const list = el("div", null, {class: "evidence-list"});
      const first = 20;
      for (const e of n.ev.slice(0, first)) list.append(evidenceBlock(e, words));
      panel.append(list);
      if (n.ev.length > first) {
        const more = el("button", "显示全部 show all " + n.ev.length, {type: "button", class: "link"});
        more.addEventListener("click", function () {
          for (const e of n.ev.slice(first)) list.append(evidenceBlock(e, words));
          more.remove();
        });
        panel.append(more);
      }
    }
    panel.scrollTop = 0;
  }
  network.on("click", function (params) { if (params.nodes.length) { view.selected = params.nodes[0]; showNode(params.nodes[0]); } });

  // ---------------------------------------------------------------- search
  const names = byId.map(n => [n.label].concat(n.aliases || []).map(s => s.toLowerCase()));
  function find(query, limit) {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const found = [];
    for (const n of byId) {
      let rank = 3;
      for (const s of names[n.id]) {
        const r = s === q ? 0 : s.startsWith(q) ? 1 : s.indexOf(q) >= 0 ? 2 : 3;
        if (r < rank) rank = r;
      }
      if (rank < 3) found.push([rank, n.cls === "Indicator" ? 1 : 0, n.label.length, n.id]);
    }
    found.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3]);
    return found.slice(0, limit).map(f => f[3]);
  }
  function choose(id) {
    const n = byId[id];
    if (hiddenClasses.has(n.cls)) {
      hiddenClasses.delete(n.cls);
      legend.querySelector("input[data-class='" + CSS.escape(n.cls) + "']").checked = true;
    }
    if (inZone !== null && !inZone.has(id)) { zoneFilter = inZone = null; zoneSelect.value = ""; }
    applyFilters();
    network.selectNodes([id]);
    network.focus(id, {scale: Math.max(network.getScale(), 1.0), animation: {duration: 300, easingFunction: "easeInOutQuad"}});
    view.selected = id;
    showNode(id);
    hideResults();
  }
  const input = document.getElementById("search");
  const results = document.getElementById("results");
  let active = -1;
  function hideResults() { results.hidden = true; results.replaceChildren(); active = -1; }
  function showResults() {
    const ids = find(input.value, 12);
    results.replaceChildren();
    active = ids.length ? 0 : -1;
    ids.forEach(function (id, i) {
      const li = el("li", byId[id].label, {role: "option", "data-id": String(id), "aria-selected": String(i === 0)});
      li.append(el("span", classLabel(byId[id].cls), {class: "cls"}));
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); input.value = byId[id].label; choose(id); });
      results.append(li);
    });
    results.hidden = !ids.length;
  }
  function move(step) {
    const items = results.children;
    if (!items.length) return;
    active = (active + step + items.length) % items.length;
    for (let i = 0; i < items.length; i++) items[i].setAttribute("aria-selected", String(i === active));
    items[active].scrollIntoView({block: "nearest"});
  }
  input.addEventListener("input", showResults);
  input.addEventListener("blur", function () { setTimeout(hideResults, 150); });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown") { move(1); ev.preventDefault(); }
    else if (ev.key === "ArrowUp") { move(-1); ev.preventDefault(); }
    else if (ev.key === "Escape") hideResults();
    else if (ev.key === "Enter") {
      ev.preventDefault();
      const item = active >= 0 ? results.children[active] : null;
      const id = item ? Number(item.getAttribute("data-id")) : find(input.value, 1)[0];
      if (id === undefined) { status.textContent = "未找到 not found: " + input.value.trim(); return; }
      input.value = byId[id].label;
      choose(id);
    }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "/" && document.activeElement !== input) { ev.preventDefault(); input.focus(); }
  });
  view.search = function (query) { const id = find(query, 1)[0]; if (id !== undefined) choose(id); return id; };
  view.find = find;
})();
