// The dateline dashboard: plain JavaScript and SVG, no framework, nothing loaded from another origin.
// Every page reads its own JSON twin (the page's path + ".json"). Data reaches the page only as text nodes
// and attributes set one by one (never innerHTML), so article text cannot become markup or code.
"use strict";

(function () {
  const SVGNS = "http://www.w3.org/2000/svg";
  const TYPE_COLOURS = {
    AGREE: "#4e79a7", CONSULT: "#a0cbe8", SUPPORT: "#59a14f", CONCEDE: "#8cd17d", COOPERATE: "#b6992d",
    AID: "#f1ce63", RETREAT: "#499894", REQUEST: "#86bcb6", ACCUSE: "#e15759", REJECT: "#ff9d9a",
    THREATEN: "#f28e2b", PROTEST: "#ffbe7d", SANCTION: "#79706e", MOBILIZE: "#d37295", COERCE: "#b07aa1",
    ASSAULT: "#9d2f2f", DEFECT: "#2f4b7c",
  };
  const KIND_LABELS = {
    trigger: "trigger", actor: "actor", target: "target", place: "place", date: "date", amount: "amount",
    cue: "attribution cue", hedge: "hedge",
  };

  // -- building the page safely ---------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVGNS, tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function setAttrs(node, attrs) {
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, String(value));
    }
  }

  function append(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  // A link inside the dashboard; `path` is built here from encoded parts, never taken whole from data.
  function link(path, text, attrs) {
    return el("a", Object.assign({ href: path }, attrs || {}), text);
  }

  // An outside address is a link only when it is http(s); anything else (javascript:, data:) stays text.
  function outsideLink(url) {
    if (typeof url === "string" && /^https?:\/\//i.test(url)) {
      return el("a", { href: url, rel: "noopener noreferrer nofollow", target: "_blank", class: "external" }, url);
    }
    return url ? el("span", { class: "inert-url" }, url) : null;
  }

  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, v);
    const s = q.toString();
    return s ? "?" + s : "";
  }

  const enc = encodeURIComponent;
  const params = new URLSearchParams(location.search);
  const main = document.getElementById("main");

  async function getJSON(path) {
    const response = await fetch(path, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const err = (body && body.error) || {};
      throw new Error((err.message || response.statusText) + (err.fix ? " — " + err.fix : ""));
    }
    return body;
  }

  function twin() {
    const path = location.pathname === "/" ? "/index" : location.pathname.replace(/\/$/, "");
    return path + ".json" + location.search;
  }

  function show(...nodes) {
    main.replaceChildren(...nodes.flat().filter(Boolean));
  }

  function fail(error) {
    show(el("div", { class: "error", role: "alert" }, "Could not load this page: ", error.message));
  }

  function heading(text, sub) {
    return [el("h1", {}, text), sub ? el("p", { class: "sub" }, sub) : null];
  }

  function table(columns, rows, attrs) {
    const head = el("tr", {}, columns.map((c) => el("th", { scope: "col" }, c.label)));
    const body = rows.map((row) => el("tr", row._attrs || {}, columns.map((c) => el("td", { class: c.cls }, c.cell(row)))));
    return el("table", Object.assign({ class: "data" }, attrs || {}), el("thead", {}, head), el("tbody", {}, body));
  }

  function nextLink(next) {
    if (!next) return null;
    const p = new URLSearchParams(location.search);
    p.set("cursor", next);
    return el("p", { class: "pager" }, link(location.pathname + "?" + p.toString(), "Next page →", { class: "next" }));
  }

  // Colours are set through the CSSOM: the Content-Security-Policy refuses style attributes in markup.
  function typeChip(type) {
    const chip = el("span", { class: "chip", "data-type": type }, type);
    chip.style.backgroundColor = colourOf(type);
    return chip;
  }

  function swatch(type) {
    const s = el("span", { class: "swatch", "data-type": type });
    s.style.backgroundColor = colourOf(type);
    return s;
  }

  function fmtDate(row) {
    if (!row.date_start) return "undated";
    return row.date_end && row.date_end !== row.date_start ? row.date_start + " – " + row.date_end : row.date_start;
  }

  function colourOf(type) {
    return TYPE_COLOURS[type] || "#999";
  }

  // -- timeline ---------------------------------------------------------------------------------------------
  async function timelineView() {
    const [data, overview] = await Promise.all([
      getJSON("/timeline.json" + location.search), getJSON("/index.json"),
    ]);
    const c = overview.counts;
    const cards = el("div", { class: "cards" },
      [["documents", c.documents], ["events", c.events], ["story-events", c.story_events], ["entities", c.entities]]
        .map(([label, n]) => el("div", { class: "card", "data-count": label }, el("strong", {}, n), el("span", {}, label))));
    const period = data.period;
    const toggle = el("p", { class: "toggle" }, "Count by ",
      ["month", "year"].map((p) => p === period ? el("strong", {}, p + " ")
        : link(location.pathname + query(Object.assign(Object.fromEntries(params), { period: p })), p + " ")));
    show(heading("Event timeline", "Event mentions per " + period + ", stacked by type; click a bar for its events."),
      cards, toggle, stackedBars(data), legend(data.series.map((s) => s.key)),
      el("p", { class: "note" }, data.undated + " undated event mention(s) are not on the timeline."));
  }

  function stackedBars(data) {
    const W = 960, H = 320, left = 40, bottom = 40, top = 10;
    const n = data.periods.length;
    const totals = data.periods.map((_, i) => data.series.reduce((sum, s) => sum + s.counts[i], 0));
    const peak = Math.max(1, ...totals);
    const band = (W - left - 10) / Math.max(n, 1);
    const scale = (H - bottom - top) / peak;
    const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "timeline", role: "img", "aria-label": "event timeline" });
    for (let t = 0; t <= 4; t++) {
      const v = Math.round((peak * t) / 4);
      const y = H - bottom - v * scale;
      chart.appendChild(svg("line", { x1: left, x2: W - 10, y1: y, y2: y, class: "grid" }));
      chart.appendChild(svg("text", { x: left - 4, y: y + 4, class: "axis", "text-anchor": "end" }, v));
    }
    data.periods.forEach((label, i) => {
      let y = H - bottom;
      const x = left + i * band + band * 0.1;
      const [since, until] = data.ranges[i];
      for (const s of data.series) {
        const count = s.counts[i];
        if (!count) continue;
        const h = count * scale;
        y -= h;
        const href = "/events" + query({ type: s.key, since, until });
        chart.appendChild(svg("a", { href, class: "bar-link" },
          svg("rect", { x, y, width: Math.max(band * 0.8, 1), height: h, fill: colourOf(s.key), class: "bar",
            "data-type": s.key, "data-period": label, "data-count": count },
          svg("title", {}, `${s.key}, ${label}: ${count}`))));
      }
      const every = Math.ceil(n / 16);
      if (i % every === 0) {
        chart.appendChild(svg("text", { x: x + band * 0.4, y: H - bottom + 16, class: "axis", "text-anchor": "middle" }, label));
      }
    });
    return el("figure", { class: "chart" }, chart);
  }

  function legend(types) {
    return el("ul", { class: "legend" }, types.map((t) =>
      el("li", {}, swatch(t), t)));
  }

  // -- events -----------------------------------------------------------------------------------------------
  const EVENT_FILTERS = ["type", "country", "actor", "since", "until", "certainty", "historical"];

  async function eventsView() {
    const p = Object.fromEntries(params);
    const [data, facets] = await Promise.all([
      getJSON("/events.json" + query(Object.assign({}, p, { total: "true" }))), getJSON("/facets.json"),
    ]);
    const columns = [
      { label: "Date", cell: (r) => fmtDate(r), cls: "date" },
      { label: "Type", cell: (r) => typeChip(r.type) },
      { label: "Trigger", cell: (r) => link(`/documents/${enc(r.doc_id)}#event-${enc(r.id)}`, r.trigger, { class: "event-link" }) },
      { label: "Actor", cell: (r) => r.actor_id ? link("/events" + query({ actor: r.actor_id }), r.actor || r.actor_id) : (r.actor || "") },
      { label: "Target", cell: (r) => r.target || "" },
      { label: "Place", cell: (r) => r.place || "" },
      { label: "Countries", cell: (r) => [r.actor_country, r.target_country, r.place_country].filter(Boolean).join(" → ") },
      { label: "Certainty", cell: (r) => el("span", { class: "certainty " + r.certainty }, r.certainty) },
      { label: "Historical", cell: (r) => (r.historical ? "yes" : "") },
      { label: "Source", cell: (r) => [r.outlet || "", " ", r.published ? r.published.slice(0, 10) : ""] },
    ];
    show(heading("Events", "Event mentions read from the articles, newest first."),
      eventFilterForm(p, facets),
      el("p", { class: "count" }, el("strong", { id: "event-total" }, data.total), " matching event mention(s)"),
      table(columns, data.items.map((r) => Object.assign(r, { _attrs: { "data-event": r.id } })), { id: "events-table" }),
      nextLink(data.next));
  }

  function eventFilterForm(p, facets) {
    const select = (name, options, label) => el("label", {}, label,
      el("select", { name }, el("option", { value: "" }, "any"),
        options.map((o) => el("option", { value: o.value, selected: p[name] === String(o.value) ? "selected" : null },
          `${o.value} (${o.n})`))));
    return el("form", { class: "filters", method: "get", action: "/events", id: "event-filters" },
      select("type", facets.type, "Type "),
      select("country", facets.country, "Country "),
      el("label", {}, "Actor id ", el("input", { name: "actor", value: p.actor || "", size: 10, maxlength: 100 })),
      el("label", {}, "From ", el("input", { name: "since", type: "date", value: p.since || "" })),
      el("label", {}, "To ", el("input", { name: "until", type: "date", value: p.until || "" })),
      select("certainty", facets.certainty, "Certainty "),
      el("label", {}, "Historical ", el("select", { name: "historical" },
        [["", "any"], ["false", "no"], ["true", "yes"]].map(([v, t]) =>
          el("option", { value: v, selected: (p.historical || "") === v ? "selected" : null }, t)))),
      el("button", { type: "submit" }, "Filter"),
      link("/events", "clear", { class: "clear" }));
  }

  // -- one document -----------------------------------------------------------------------------------------
  async function documentView(id) {
    const doc = await getJSON(`/documents/${enc(id)}.json`);
    const active = decodeURIComponent(location.hash.replace(/^#event-/, ""));
    const meta = el("dl", { class: "meta" },
      el("dt", {}, "Outlet"), el("dd", {}, doc.outlet || "unknown"),
      el("dt", {}, "Published"), el("dd", {}, doc.published || "unknown"),
      el("dt", {}, "Authors"), el("dd", {}, (doc.authors || []).join(", ") || "none given"),
      el("dt", {}, "Address"), el("dd", {}, outsideLink(doc.url) || "none"),
      el("dt", {}, "Source"), el("dd", {}, doc.source_path || ""));
    const text = highlightedText(doc.text, doc.highlights, active);
    const events = el("ol", { class: "doc-events" }, (doc.events || []).map((ev) => eventCard(ev, doc.stories[ev.id], active)));
    show(el("h1", { class: "doc-title" }, doc.title || "(untitled)"), meta,
      el("ul", { class: "legend kinds" }, Object.entries(KIND_LABELS).map(([k, label]) =>
        el("li", {}, el("mark", { class: "hl " + k }, label)))),
      el("div", { class: "doc" }, el("article", { class: "text", id: "article-text" }, text),
        el("aside", {}, el("h2", {}, (doc.events || []).length + " event(s)"), events)));
    const first = main.querySelector("mark.active");
    if (first) first.scrollIntoView({ block: "center" });
  }

  // The text cut at every highlight boundary; each piece is a text node, marked when evidence covers it.
  function highlightedText(text, highlights, active) {
    const cuts = new Set([0, text.length]);
    for (const h of highlights) { cuts.add(h.start); cuts.add(h.end); }
    const points = [...cuts].filter((x) => x >= 0 && x <= text.length).sort((a, b) => a - b);
    const out = [];
    for (let i = 0; i + 1 < points.length; i++) {
      const [a, b] = [points[i], points[i + 1]];
      const piece = text.slice(a, b);
      const over = highlights.filter((h) => h.start <= a && h.end >= b);
      if (!over.length) { out.push(document.createTextNode(piece)); continue; }
      const kinds = [...new Set(over.map((h) => h.kind))];
      const evs = [...new Set(over.map((h) => h.event))];
      const isActive = active && evs.includes(active);
      out.push(el("mark", { class: "hl " + kinds.join(" ") + (isActive ? " active" : ""), "data-kinds": kinds.join(" "),
        "data-events": evs.join(" "), title: kinds.map((k) => KIND_LABELS[k]).join(", ") }, piece));
    }
    return out;
  }

  function eventCard(ev, story, active) {
    const parts = [
      ["actor", ev.actor && (ev.actor.name || ev.actor.text)], ["target", ev.target && (ev.target.name || ev.target.text)],
      ["place", [ev.location, ev.destination, ev.origin].filter(Boolean).map((p) => p.name || p.text).join(", ")],
      ["date", ev.date && `${ev.date.text || ""} (${ev.date.start}${ev.date.end !== ev.date.start ? " – " + ev.date.end : ""})`],
      ["amount", (ev.quantities || []).map((q) => q.text).join("; ")],
      ["source", ev.attribution && ev.attribution.source && (ev.attribution.source.name || ev.attribution.source.text)],
      ["cue", ev.attribution && ev.attribution.cue && ev.attribution.cue.text], ["hedge", ev.hedge && ev.hedge.text],
    ].filter(([, v]) => v);
    const others = (story && story.other_reports) || [];
    return el("li", { id: "event-" + ev.id, class: "event-card" + (ev.id === active ? " active" : ""), "data-event": ev.id },
      el("p", {}, typeChip(ev.type), ev.mode ? " " + ev.mode : "", " ",
        link(`#event-${enc(ev.id)}`, "“" + ev.trigger.text + "”", { class: "select-event" })),
      el("p", { class: "flags" }, [ev.certainty, ev.polarity, ev.modality, ev.historical ? "historical" : null].filter(Boolean).join(" · ")),
      el("dl", {}, parts.map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
      story ? el("p", { class: "story" }, "Story-event: ", link(`/stories/${enc(story.story_id)}`, story.story_id, { class: "story-link" }),
        others.length ? [" · other reports: ", others.map((o, i) => [i ? ", " : "",
          link(`/documents/${enc(o.doc_id)}#event-${enc(o.event_id)}`, (o.outlet || o.doc_id) + (o.published ? " " + o.published.slice(0, 10) : ""), { class: "other-report" })])]
          : " · no other report") : null);
  }

  function docIdOf() {
    return decodeURIComponent(location.pathname.split("/")[2] || "");
  }

  // -- story-events -----------------------------------------------------------------------------------------
  async function storiesView() {
    const data = await getJSON("/stories.json" + query(Object.assign(Object.fromEntries(params), { total: "true" })));
    const columns = [
      { label: "Date", cell: fmtDate, cls: "date" },
      { label: "Type", cell: (r) => typeChip(r.type) },
      { label: "Story-event", cell: (r) => link(`/stories/${enc(r.id)}`, r.id) },
      { label: "Actor", cell: (r) => r.actor || r.actor_country || "" },
      { label: "Target", cell: (r) => r.target || r.target_country || "" },
      { label: "Place", cell: (r) => r.place_name || r.place_country || "" },
      { label: "Articles", cell: (r) => r.articles, cls: "num" },
      { label: "Outlets", cell: (r) => r.outlets, cls: "num" },
      { label: "Certainty", cell: (r) => r.certainty || "" },
    ];
    show(heading("Story-events", data.total + " real-world event(s), each with all its reports."),
      table(columns, data.items), nextLink(data.next));
  }

  async function storyView(id) {
    const s = await getJSON(`/stories/${enc(id)}.json`);
    const place = s.place && (s.place.name || s.place.text);
    show(heading(`${s.type} story-event`, `${s.articles} article(s), ${s.mentions} mention(s), first seen ${s.first_seen || "?"}`),
      el("dl", { class: "meta" },
        el("dt", {}, "Actor"), el("dd", {}, (s.actor && (s.actor.name || s.actor.text)) || "unknown"),
        el("dt", {}, "Target"), el("dd", {}, (s.target && (s.target.name || s.target.text)) || "none"),
        el("dt", {}, "Place"), el("dd", {}, place || "unknown"),
        el("dt", {}, "Date"), el("dd", {}, s.date ? `${s.date.start} – ${s.date.end} (${s.date.precision})` : "undated"),
        el("dt", {}, "Conflicts"), el("dd", {}, (s.conflicts || []).length ? JSON.stringify(s.conflicts) : "none")),
      el("h2", {}, "Reports"),
      el("ol", { class: "evidence" }, (s.evidence || []).map((e) => el("li", {},
        el("blockquote", {}, e.sentence), el("p", {}, link(`/documents/${enc(e.doc_id)}#event-${enc(e.event_id)}`, (e.outlet || e.doc_id) + (e.published ? ", " + e.published.slice(0, 10) : ""), { class: "report-link" }),
          " · ", e.certainty || "", " ", outsideLink(e.url))))));
  }

  // -- lists ------------------------------------------------------------------------------------------------
  async function documentsView() {
    const data = await getJSON("/documents.json" + query(Object.assign(Object.fromEntries(params), { total: "true" })));
    show(heading("Documents", data.total + " article(s)."),
      table([
        { label: "Published", cell: (r) => r.published || "", cls: "date" },
        { label: "Title", cell: (r) => link(`/documents/${enc(r.id)}`, r.title || r.id, { class: "doc-link" }) },
        { label: "Outlet", cell: (r) => r.outlet || "" },
        { label: "Events", cell: (r) => link("/events" + query({ doc_id: r.id }), r.events), cls: "num" },
        { label: "Entities", cell: (r) => r.entities, cls: "num" },
      ], data.items), nextLink(data.next));
  }

  async function actorsView() {
    const data = await getJSON("/actors.json" + query(Object.assign(Object.fromEntries(params), { total: "true" })));
    show(heading("Actors", data.total + " resolved actor(s)."),
      table([
        { label: "Actor", cell: (r) => link("/events" + query({ actor: r.actor_id }), r.name || r.actor_id) },
        { label: "Id", cell: (r) => r.actor_id },
        { label: "Kind", cell: (r) => r.kind || "" },
        { label: "Country", cell: (r) => r.country || "" },
        { label: "Mentions", cell: (r) => r.mentions, cls: "num" },
        { label: "Documents", cell: (r) => r.documents, cls: "num" },
      ], data.items), nextLink(data.next));
  }

  async function placesView() {
    const data = await getJSON("/places.json" + query(Object.assign(Object.fromEntries(params), { total: "true" })));
    show(heading("Places", data.total + " place(s) resolved to the gazetteer."),
      table([
        { label: "Place", cell: (r) => r.name || r.place_id },
        { label: "GeoNames id", cell: (r) => r.place_id },
        { label: "Country", cell: (r) => r.country ? link("/events" + query({ country: r.country }), r.country) : "" },
        { label: "Feature", cell: (r) => r.feature || "" },
        { label: "Lat, lon", cell: (r) => (r.lat !== null ? `${r.lat}, ${r.lon}` : "") },
        { label: "Mentions", cell: (r) => r.mentions, cls: "num" },
      ], data.items), nextLink(data.next));
  }

  async function statisticsView() {
    const data = await getJSON("/statistics.json" + location.search);
    show(heading("Statistics", data.total + " reported value(s)."),
      data.items.length ? table([
        { label: "Measure", cell: (r) => r.measure_text || r.measure },
        { label: "Period", cell: (r) => r.period },
        { label: "Value", cell: (r) => r.value + (r.partial ? " (so far)" : ""), cls: "num" },
        { label: "Unit", cell: (r) => r.unit || "" },
        { label: "Source", cell: (r) => r.source || "" },
        { label: "Report", cell: (r) => link(`/documents/${enc(r.doc_id)}`, (r.outlet || r.doc_id) + " " + (r.reported || "").slice(0, 10)) },
        { label: "Disagrees", cell: (r) => (r.disagrees ? "yes" : "") },
      ], data.items) : el("p", { class: "empty" }, "No statistics are reported in the stored articles."), nextLink(data.next));
  }

  async function searchView() {
    const q = params.get("q") || "";
    if (!q.trim()) { show(heading("Search"), el("p", {}, "Type words in the search box.")); return; }
    const data = await getJSON("/search.json" + location.search);
    show(heading("Search", `${data.total} article(s) hold every word of “${q}”.`),
      el("ol", { class: "results" }, data.items.map((r) => el("li", {},
        link(`/documents/${enc(r.id)}`, r.title || r.id, { class: "doc-link" }), " ",
        el("span", { class: "sub" }, (r.outlet || "") + " " + (r.published || "").slice(0, 10)),
        el("p", { class: "snippet" }, snippet(r.snippet))))), nextLink(data.next));
  }

  // Matched words come between \u0002 and \u0003: split on them and mark the odd pieces.
  function snippet(text) {
    return String(text || "").split(/[\u0002\u0003]/).map((piece, i) => (i % 2 ? el("mark", {}, piece) : piece));
  }

  // -- trends and alerts ------------------------------------------------------------------------------------
  async function trendsView() {
    const p = Object.fromEntries(params);
    const [trends, alerts] = await Promise.all([getJSON("/trends.json" + query(p)), getJSON("/alerts.json")]);
    const rows = trends.series.map((s) => Object.assign({}, s, { _attrs: { "data-series": s.key } }));
    show(heading("Trends and alerts", `${trends.unit} per ${trends.period} by ${trends.by}; change of the latest period against the trailing baseline.`),
      el("p", { class: "toggle" }, "Period: ", ["month", "year"].map((x) => x === trends.period ? el("strong", {}, x + " ")
        : link("/trends" + query(Object.assign({}, p, { period: x })), x + " "))),
      table([
        { label: trends.by, cell: (s) => s.key },
        { label: "Total", cell: (s) => s.total, cls: "num" },
        { label: "Over time", cell: (s) => sparkline(s.counts) },
        { label: "Latest", cell: (s) => (s.change ? s.change.latest : ""), cls: "num" },
        { label: "Baseline mean", cell: (s) => (s.change ? s.change.baseline_mean : ""), cls: "num" },
        { label: "p", cell: (s) => (s.change ? s.change.p_value.toPrecision(2) : ""), cls: "num" },
        { label: "Rising", cell: (s) => (s.change && s.change.rising ? el("strong", { class: "rising" }, "rising") : "") },
      ], rows, { id: "trends-table" }),
      el("p", { class: "note" }, `Left out: ${trends.excluded.undated} undated, ${trends.excluded.coarse} dated too coarsely for a ${trends.period}.`),
      el("h2", {}, `Alerts (${alerts.fired} of ${alerts.items.length} fired, rules: ${alerts.rules})`),
      el("ul", { class: "alerts", id: "alerts" }, alerts.items.map((a) => el("li", { class: a.fired ? "fired" : "quiet", "data-fired": a.fired },
        el("strong", {}, a.fired ? "FIRED " : "quiet "), a.rule, el("p", { class: "reason" }, a.reason || ""),
        (a.evidence || []).map((e) => el("p", { class: "evidence" },
          e.story_id ? link(`/stories/${enc(e.story_id)}`, e.story_id) : link(`/documents/${enc(e.doc_id)}#event-${enc(e.event_id)}`, e.event_id),
          ": ", ((e.sentences || [e])[0] || {}).sentence || ""))))));
  }

  function sparkline(counts) {
    const W = 160, H = 24, peak = Math.max(1, ...counts);
    const step = W / Math.max(counts.length - 1, 1);
    const pts = counts.map((c, i) => `${(i * step).toFixed(1)},${(H - 2 - (c / peak) * (H - 4)).toFixed(1)}`).join(" ");
    return svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "spark", width: W, height: H }, svg("polyline", { points: pts }));
  }

  // -- map --------------------------------------------------------------------------------------------------
  async function mapView() {
    const data = await getJSON("/map.json" + location.search);
    const world = await getJSON("/static/world.json").catch(() => null);
    const W = 960, H = 480;
    const project = ([lon, lat]) => [((lon + 180) / 360) * W, ((90 - lat) / 180) * H];
    const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "map", role: "img", "aria-label": "map of event locations" },
      svg("rect", { x: 0, y: 0, width: W, height: H, class: "sea" }));
    const byNumeric = new Map(data.countries.filter((c) => c.numeric).map((c) => [c.numeric, c]));
    const peak = Math.max(1, ...data.countries.map((c) => c.events));
    if (world) {
      for (const shape of countryShapes(world, project)) {
        const hit = byNumeric.get(shape.id);
        const path = svg("path", { d: shape.d, class: "country" + (hit ? " has-events" : ""), "data-country": hit ? hit.code : null,
          "fill-opacity": hit ? (0.25 + 0.75 * (hit.events / peak)).toFixed(2) : null },
        svg("title", {}, hit ? `${hit.name}: ${hit.events} event(s)` : shape.name));
        chart.appendChild(hit ? svg("a", { href: "/events" + query({ country: hit.code }) }, path) : path);
      }
    } else {
      for (let lon = -180; lon <= 180; lon += 30) chart.appendChild(svg("line", { x1: project([lon, 0])[0], x2: project([lon, 0])[0], y1: 0, y2: H, class: "graticule" }));
      for (let lat = -90; lat <= 90; lat += 30) chart.appendChild(svg("line", { x1: 0, x2: W, y1: project([0, lat])[1], y2: project([0, lat])[1], class: "graticule" }));
    }
    const top = Math.max(1, ...data.points.map((p) => p.events));
    for (const p of data.points) {
      const [x, y] = project([p.lon, p.lat]);
      chart.appendChild(svg("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: (3 + 9 * Math.sqrt(p.events / top)).toFixed(1), class: "point", "data-place": p.name },
        svg("title", {}, `${p.name}: ${p.events} event(s)`)));
    }
    show(heading("Map", "Event places (points) and events per country (shading: the event's place, else its actor's country)."),
      world ? null : el("p", { class: "note", id: "no-outlines" }, "Country outlines are not installed (make web-assets); points are shown on a grid."),
      el("figure", { class: "chart" }, chart),
      table([
        { label: "Country", cell: (c) => link("/events" + query({ country: c.code }), c.name || c.code) },
        { label: "Events", cell: (c) => c.events, cls: "num" },
      ], data.countries.map((c) => Object.assign(c, { _attrs: { "data-country-row": c.code } })), { id: "country-table" }));
  }

  // TopoJSON to SVG paths: arcs are delta-encoded and quantised; a negative index means the arc reversed.
  // A ring that crosses the antimeridian (Russia, Fiji) is unwrapped to the side holding most of it.
  function countryShapes(topology, project) {
    const [sx, sy] = topology.transform ? topology.transform.scale : [1, 1];
    const [tx, ty] = topology.transform ? topology.transform.translate : [0, 0];
    const arcs = topology.arcs.map((arc) => {
      let x = 0, y = 0;
      return arc.map(([dx, dy]) => { x += dx; y += dy; return [x * sx + tx, y * sy + ty]; });
    });
    const ring = (indexes) => {
      let points = [];
      indexes.forEach((i, n) => {
        const a = i < 0 ? arcs[~i].slice().reverse() : arcs[i];
        points.push(...(n ? a.slice(1) : a));
      });
      const crosses = points.some((p, i) => i && Math.abs(p[0] - points[i - 1][0]) > 180);
      if (crosses) {
        const east = points.filter((p) => p[0] > 0).length * 2 > points.length;
        points = points.map(([lon, lat]) => [east && lon < 0 ? lon + 360 : !east && lon > 0 ? lon - 360 : lon, lat]);
      }
      return "M" + points.map((p) => project(p).map((v) => v.toFixed(1)).join(",")).join("L") + "Z";
    };
    const object = topology.objects.countries;
    return object.geometries.filter((g) => g.arcs).map((g) => {
      const polygons = g.type === "Polygon" ? [g.arcs] : g.arcs;
      return { id: String(g.id), name: (g.properties && g.properties.name) || "", d: polygons.map((p) => p.map(ring).join("")).join("") };
    });
  }

  // -- network ----------------------------------------------------------------------------------------------
  async function networkView() {
    const data = await getJSON("/network.json" + location.search);
    const W = 900, H = 460;
    const nodes = data.nodes.map((n, i) => Object.assign({}, n, {
      x: W / 2 + (W / 3) * Math.cos((2 * Math.PI * i) / data.nodes.length), y: H / 2 + (H / 3) * Math.sin((2 * Math.PI * i) / data.nodes.length),
    }));
    const at = new Map(nodes.map((n) => [n.id, n]));
    layout(nodes, data.edges.map((e) => [at.get(e.source), at.get(e.target), e.weight]), W, H);
    const peak = Math.max(1, ...data.edges.map((e) => e.weight));
    const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "network", role: "img", "aria-label": "actor network" },
      svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 22, refY: 5, markerWidth: 10, markerHeight: 10, markerUnits: "userSpaceOnUse", orient: "auto" },
        svg("path", { d: "M0,0L10,5L0,10Z", class: "arrowhead" }))));
    for (const e of data.edges) {
      const [a, b] = [at.get(e.source), at.get(e.target)];
      chart.appendChild(svg("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: "edge", "stroke-width": (1 + 5 * (e.weight / peak)).toFixed(1),
        "marker-end": "url(#arrow)", "data-weight": e.weight, "data-source": e.source, "data-target": e.target },
      svg("title", {}, `${a.label} → ${b.label}: ${e.weight} story-event(s) (${e.types.join(", ")})`)));
    }
    for (const n of nodes) {
      chart.appendChild(svg("a", { href: "/events" + query({ actor: n.id }) },
        svg("circle", { cx: n.x, cy: n.y, r: 5 + 3 * Math.sqrt(n.weight), class: "node", "data-node": n.id }, svg("title", {}, n.label)),
        svg("text", { x: n.x + 9, y: n.y + 4, class: "node-label" }, n.label)));
    }
    show(heading("Actor network", `${data.nodes.length} actor(s), ${data.edges.length} link(s): who acts on whom; line width = story-events.`),
      data.edges.length ? el("figure", { class: "chart" }, chart) : el("p", { class: "empty" }, "No story-event has both an actor and a target."),
      table([
        { label: "Actor", cell: (e) => at.get(e.source).label },
        { label: "Target", cell: (e) => at.get(e.target).label },
        { label: "Story-events", cell: (e) => e.weight, cls: "num" },
        { label: "Types", cell: (e) => e.types.join(", ") },
      ], data.edges, { id: "edge-table" }));
  }

  // Fruchterman-Reingold: nodes repel, edges pull, a cooling step size; a fixed number of steps from a
  // circle, so the picture is the same on every load.
  function layout(nodes, edges, W, H) {
    const k = Math.sqrt(((W - 160) * (H - 40)) / Math.max(nodes.length, 1)) * 0.8;
    for (let step = 0; step < 300; step++) {
      const t = (W / 10) * (1 - step / 300) + 1;
      for (const a of nodes) {
        a.dx = 0; a.dy = 0;
        for (const b of nodes) {
          if (a === b) continue;
          const dx = a.x - b.x, dy = a.y - b.y, d = Math.max(Math.hypot(dx, dy), 0.01);
          a.dx += (dx / d) * (k * k) / d; a.dy += (dy / d) * (k * k) / d;
        }
        a.dx += (W / 2 - a.x) * 0.15; a.dy += (H / 2 - a.y) * 0.15;
      }
      for (const [a, b] of edges) {
        const dx = b.x - a.x, dy = b.y - a.y, d = Math.max(Math.hypot(dx, dy), 0.01), f = (d * d) / k;
        a.dx += (dx / d) * f; a.dy += (dy / d) * f; b.dx -= (dx / d) * f; b.dy -= (dy / d) * f;
      }
      for (const n of nodes) {
        const d = Math.max(Math.hypot(n.dx, n.dy), 0.01), m = Math.min(d, t);
        n.x += (n.dx / d) * m; n.y += (n.dy / d) * m;
      }
    }
    fit(nodes, [30, W - 160], [30, H - 30]);
  }

  function fit(nodes, [x0, x1], [y0, y1]) {
    const xs = nodes.map((n) => n.x), ys = nodes.map((n) => n.y);
    const [lx, hx, ly, hy] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    for (const n of nodes) {
      n.x = hx > lx ? x0 + ((n.x - lx) / (hx - lx)) * (x1 - x0) : (x0 + x1) / 2;
      n.y = hy > ly ? y0 + ((n.y - ly) / (hy - ly)) * (y1 - y0) : (y0 + y1) / 2;
    }
  }

  // -- routing ----------------------------------------------------------------------------------------------
  const ROUTES = {
    "": timelineView, timeline: timelineView, map: mapView, network: networkView, events: eventsView,
    stories: storiesView, documents: documentsView, actors: actorsView, places: placesView,
    statistics: statisticsView, trends: trendsView, search: searchView,
  };

  function start() {
    const parts = location.pathname.split("/").filter(Boolean);
    document.getElementById("json-link").setAttribute("href", twin());
    const search = document.querySelector("#search input");
    if (search && params.get("q")) search.value = params.get("q");
    for (const a of document.querySelectorAll("#nav a")) {
      if (a.getAttribute("href") === "/" + (parts[0] || "")) a.classList.add("current");
    }
    let run;
    if (parts[0] === "documents" && parts[1]) run = () => documentView(decodeURIComponent(parts[1]));
    else if (parts[0] === "stories" && parts[1]) run = () => storyView(decodeURIComponent(parts[1]));
    else run = ROUTES[parts[0] || ""];
    document.body.dataset.view = parts[0] || "timeline";
    Promise.resolve().then(run).then(() => { document.body.dataset.ready = "true"; })
      .catch((e) => { fail(e); document.body.dataset.ready = "error"; });
  }

  window.addEventListener("hashchange", () => {
    if (location.pathname.startsWith("/documents/")) documentView(docIdOf()).then(() => { document.body.dataset.ready = "true"; });
  });
  start();
})();
