/* codefit report viewer: renders runs (embedded JSON, or polled from `codefit ui`) into charts,
   alerts and a step-by-step view. No dependencies; every chart is inline SVG. */
(function () {
  "use strict";

  var COLORS = ["#2458d6", "#d6452b", "#1a7f37", "#8a3ffc", "#b26a00", "#0a7e8c", "#c2185b", "#5d6b82"];
  var SVG_NS = "http://www.w3.org/2000/svg";
  var data = JSON.parse(document.getElementById("codefit-data").textContent);
  var state = { runs: data.runs || [], focus: 0, step: null, tab: "diff", follow: true, listing: [] };

  function h(tag, attrs) {
    var el = document.createElement(tag);
    setAttrs(el, attrs);
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function s(tag, attrs) {
    var el = document.createElementNS(SVG_NS, tag);
    setAttrs(el, attrs);
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function setAttrs(el, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "onclick") el.addEventListener("click", v);
      else if (k === "text") el.textContent = v;
      else el.setAttribute(k, v === true ? "" : String(v));
    });
  }
  function append(el) {
    for (var i = 1; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) { child.forEach(function (c) { append(el, c); }); continue; }
      el.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
    }
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }
  function num(v, digits) {
    if (v === null || v === undefined) return "-";
    if (typeof v === "boolean") return v ? "pass" : "FAIL";
    if (typeof v !== "number") return String(v);
    if (digits === undefined && Number.isInteger(v)) return String(v);
    return v.toFixed(digits === undefined ? 2 : digits);
  }
  function badge(text, cls) { return h("span", { "class": "badge " + (cls || text) }, text); }
  function passBadge(passed) {
    if (passed === null || passed === undefined) return "";
    return badge(passed ? "pass" : "FAIL", passed ? "pass" : "fail");
  }
  function kv(pairs) {
    var dl = h("dl", { "class": "kv" });
    pairs.forEach(function (p) { append(dl, [h("dt", null, p[0]), h("dd", null, p[1])]); });
    return dl;
  }
  function focusRun() { return state.runs[state.focus] || null; }

  /* ---------- charts ---------- */

  function lineChart(opts) {
    var W = 460, H = 230, L = 46, R = 12, T = 12, B = 30;
    var series = opts.series.filter(function (se) { return se.points.length > 0; });
    var points = series.reduce(function (n, se) { return n + se.points.length; }, 0);
    var svg = s("svg", { "class": "chart", viewBox: "0 0 " + W + " " + H, role: "img",
      "aria-label": opts.title, "data-chart": opts.id, "data-series": series.length, "data-points": points });
    if (!points) {
      append(svg, s("text", { x: W / 2, y: H / 2, "text-anchor": "middle", "class": "empty" }, "no data"));
      return card(opts.title, svg, []);
    }
    var xs = [], ys = [];
    series.forEach(function (se) { se.points.forEach(function (p) { xs.push(p[0]); ys.push(p[1]); }); });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = opts.yMin !== undefined ? Math.min(opts.yMin, Math.min.apply(null, ys)) : Math.min.apply(null, ys);
    var y1 = opts.yMax !== undefined ? Math.max(opts.yMax, Math.max.apply(null, ys)) : Math.max.apply(null, ys);
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    if (y1 === y0) { if (opts.yMin === undefined || y0 !== opts.yMin) y0 -= 1; y1 += 1; }
    var px = function (x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
    var py = function (y) { return T + (1 - (y - y0) / (y1 - y0)) * (H - T - B); };
    for (var i = 0; i <= 4; i++) {
      var yv = y0 + (y1 - y0) * i / 4;
      append(svg, s("line", { "class": "grid", x1: L, x2: W - R, y1: py(yv), y2: py(yv) }));
      append(svg, s("text", { x: L - 6, y: py(yv) + 4, "text-anchor": "end" }, formatTick(yv)));
    }
    var xticks = niceSteps(x0, x1);
    xticks.forEach(function (xv) {
      append(svg, s("text", { x: px(xv), y: H - B + 16, "text-anchor": "middle" }, String(xv)));
    });
    append(svg, s("line", { "class": "axis", x1: L, x2: W - R, y1: H - B, y2: H - B }));
    append(svg, s("line", { "class": "axis", x1: L, x2: L, y1: T, y2: H - B }));
    append(svg, s("text", { x: W - R, y: H - 4, "text-anchor": "end" }, opts.xLabel || "step"));
    series.forEach(function (se) {
      var d = se.points.map(function (p, k) { return (k ? "L" : "M") + px(p[0]).toFixed(1) + " " + py(p[1]).toFixed(1); }).join(" ");
      if (se.points.length > 1) {
        append(svg, s("path", { "class": "series", d: d, stroke: se.color, "stroke-dasharray": se.dash || null }));
      }
      se.points.forEach(function (p) {
        var failed = (se.failed || []).indexOf(p[0]) >= 0;
        var value = failed && se.counts && se.counts[p[0]] ? se.counts[p[0]] + " FAIL" : formatTick(p[1]) + (failed ? " FAIL" : "");
        append(svg, s("circle", { cx: px(p[0]), cy: py(p[1]), r: se.marker || 3, fill: failed ? "#fff" : se.color,
          stroke: failed ? se.color : null, "class": failed ? "failed" : null },
          s("title", null, se.name + " @ step " + p[0] + ": " + value)));
      });
    });
    var legend = series.map(function (se) {
      return h("span", null, h("i", { style: "background:" + se.color }), se.name);
    });
    return card(opts.title, svg, legend);
  }
  function card(title, svg, legend) {
    return h("div", { "class": "card chart-card" }, h("h3", null, title), svg, h("div", { "class": "legend" }, legend));
  }
  function formatTick(v) {
    var a = Math.abs(v);
    if (a >= 1000) return (v / 1000).toFixed(1) + "k";
    if (a >= 10) return v.toFixed(0);
    if (a >= 1 || a === 0) return v.toFixed(2);
    return v.toPrecision(2);
  }
  function niceSteps(x0, x1) {
    var span = x1 - x0, step = Math.max(1, Math.ceil(span / 8)), out = [];
    for (var x = Math.ceil(x0); x <= x1; x += step) out.push(x);
    return out;
  }
  function trainCounts(steps, offset) {
    var out = {};
    steps.forEach(function (st) { if (st.train.tests) out[st.index + (offset || 0)] = st.train.tests[0] + "/" + st.train.tests[1]; });
    return out;
  }
  function trainScore(train) {
    var text = num(train.score, 2);
    return train.passed === false && text === "1.00" && train.tests ? train.tests[0] + "/" + train.tests[1] : text;
  }
  function pts(steps, get, offset) {
    var out = [];
    steps.forEach(function (st) {
      var v = get(st);
      if (typeof v === "number" && isFinite(v)) out.push([st.index + (offset || 0), v]);
    });
    return out;
  }
  // Compared runs share the x axis: a replay's step 0 is its parent's step parent_step.
  function stepOffset(run) {
    return state.runs.length > 1 && run.run.parent_step ? run.run.parent_step : 0;
  }
  function gapLabel(basis) {
    return basis === "test" ? "generalization gap (train - test)"
      : basis === "validation" ? "generalization gap (train - validation)" : "generalization gap";
  }

  function renderCharts() {
    var root = clear(document.getElementById("charts"));
    var runs = state.runs;
    if (!runs.length) return;
    var many = runs.length > 1;
    var label = function (run, name) { return many ? run.run.id.slice(-4) + " " + name : name; };
    var scores = [], loss = [], gap = [], cost = [], tokens = [];
    var sensors = {}, metrics = {};
    runs.forEach(function (run, i) {
      var c = COLORS[i % COLORS.length], steps = run.steps, off = stepOffset(run);
      // A failing train score is drawn hollow: 0.998 (582/583) must not look like a passing 1.00.
      scores.push({ name: label(run, "train"), color: c, points: pts(steps, function (st) { return st.train.score; }, off),
        failed: steps.filter(function (st) { return st.train.passed === false; }).map(function (st) { return st.index + off; }),
        counts: trainCounts(steps, off) });
      scores.push({ name: label(run, "validation"), color: many ? c : COLORS[1], dash: "6 4",
        points: pts(steps, function (st) { return st.validation ? st.validation.score : null; }, off) });
      var test = run.final && run.final.test && run.final.test.score;
      if (typeof test === "number" && run.final.step !== null) {
        scores.push({ name: label(run, "test (final)"), color: many ? c : COLORS[2], marker: 6, points: [[run.final.step + off, test]] });
      }
      loss.push({ name: label(run, "loss"), color: c, points: pts(steps, function (st) { return st.loss; }, off) });
      steps.forEach(function (st) { Object.keys(st.loss_terms || {}).forEach(function (k) { sensors[k] = true; }); });
      gap.push({ name: label(run, "val gap"), color: c, points: pts(steps, function (st) { return st.gap; }, off) });
      cost.push({ name: label(run, "cost $ (cumulative)"), color: c, points: pts(steps, function (st) { return st.cost_usd_total; }, off) });
      tokens.push({ name: label(run, "tokens (cumulative)"), color: c, points: pts(steps, function (st) { return st.tokens_total; }, off) });
      steps.forEach(function (st) { Object.keys(st.quality || {}).forEach(function (k) { metrics[k] = true; }); });
    });
    Object.keys(sensors).sort().forEach(function (name, j) {
      runs.forEach(function (run, i) {
        loss.push({ name: label(run, "term " + name), color: COLORS[(i + j + 1) % COLORS.length], dash: "3 3",
          points: pts(run.steps, function (st) { return (st.loss_terms || {})[name]; }, stepOffset(run)) });
      });
    });
    append(root, lineChart({ id: "scores", title: "Scores: train, validation, test", series: scores, yMin: 0, yMax: 1 }));
    append(root, lineChart({ id: "loss", title: "Loss and its terms", series: loss, yMin: 0 }));
    append(root, lineChart({ id: "gap", title: "Validation gap per step (train - validation)", series: gap }));
    append(root, lineChart({ id: "cost", title: "Cost (USD)", series: cost, yMin: 0 }));
    append(root, lineChart({ id: "tokens", title: "Tokens", series: tokens, yMin: 0 }));
    renderQuality(Object.keys(metrics).sort(), label);
  }

  // Quality metrics that moved get a small chart each; those constant over every step are one line.
  function renderQuality(names, label) {
    var root = clear(document.getElementById("quality"));
    if (!names.length) return;
    var constant = [], grid = h("div", { "class": "charts small" });
    names.forEach(function (m) {
      var series = state.runs.map(function (run, i) {
        return { name: label(run, m), color: COLORS[i % COLORS.length],
          points: pts(run.steps, function (st) { return (st.quality || {})[m]; }, stepOffset(run)) };
      });
      var values = [];
      series.forEach(function (se) { se.points.forEach(function (p) { values.push(p[1]); }); });
      var flat = values.every(function (v) { return v === values[0]; });
      if (flat) constant.push(m + " = " + formatTick(values[0]));
      else append(grid, lineChart({ id: "quality-" + m, title: m, series: series }));
    });
    append(root, h("h2", null, "Quality metrics"), grid,
      constant.length ? h("p", { "class": "muted", id: "quality-constant" }, "Unchanged over every step: " + constant.join(", ")) : null);
  }

  /* ---------- overview and comparison ---------- */

  function renderTabs() {
    var nav = clear(document.getElementById("run-tabs"));
    if (state.runs.length < 2) return;
    state.runs.forEach(function (run, i) {
      append(nav, h("button", { "class": i === state.focus ? "active" : "", "data-run": run.run.id,
        onclick: function () { state.focus = i; state.step = null; render(); } }, run.run.id));
    });
  }

  function renderOverview() {
    var root = clear(document.getElementById("overview"));
    if (!state.runs.length) {
      append(root, h("p", { "class": "muted" }, data.live ? "No run selected yet." : "No runs."));
      return;
    }
    var cards = h("div", { "class": "cards" });
    state.runs.forEach(function (run, i) {
      var r = run.run, f = run.final || {}, t = run.totals || {};
      append(cards, h("div", { "class": "card run-card", "data-run": r.id },
        h("h3", null, h("span", { style: "color:" + COLORS[i % COLORS.length] }, "\u25A0 "), r.id, " ", badge(r.status)),
        kv([
          ["optimizer", r.optimizer], ["fingerprint", r.fingerprint],
          ["outcome", f.met === null || f.met === undefined ? "-" : (f.met ? "spec met" : "spec not met")],
          ["stop reason", f.stop_reason || "-"], ["chosen step", num(f.step)],
          ["train", num(f.train && f.train.score, 2)], ["validation", num(f.validation && f.validation.score, 2)],
          ["test", num(f.test && f.test.score, 2)], [gapLabel(f.gap_basis), num(f.generalization_gap, 2)],
          ["cheating rate", f.cheating_rate === null || f.cheating_rate === undefined ? "-"
            : num(f.cheating_rate, 2) + " (" + f.canaries + " canaries)"],
          ["steps", num(t.steps)], ["cost $", num(t.cost_usd, 4)],
          ["tokens", num((t.input_tokens || 0) + (t.output_tokens || 0), 0)], ["alerts", num(t.alerts)],
          ["replay of", r.parent_run ? r.parent_run + " @ step " + r.parent_step : "-"]
        ])));
    });
    append(root, h("h2", null, "Runs"), cards);
    if (data.comparison) append(root, renderComparison(data.comparison));
  }

  function renderComparison(cmp) {
    var ids = cmp.outcomes.map(function (o) { return o.run_id; });
    var box = h("div", { "class": "card", id: "comparison" }, h("h3", null, "Comparison"));
    var settings = h("table", { "class": "data" }, h("tr", null, h("th", null, "setting that differs"), ids.map(function (id) { return h("th", null, id); })));
    var keys = Object.keys(cmp.settings);
    if (!keys.length) append(settings, h("tr", null, h("td", null, "(identical config)"), ids.map(function () { return h("td", null, "-"); })));
    keys.forEach(function (k) {
      append(settings, h("tr", null, h("td", null, k), cmp.settings[k].map(function (v) { return h("td", null, typeof v === "string" ? v : JSON.stringify(v)); })));
    });
    var bases = cmp.outcomes.map(function (o) { return o.gap_basis; }).filter(function (b, k, all) { return b && all.indexOf(b) === k; });
    var gap = bases.length === 1 ? gapLabel(bases[0]) : "generalization gap (train - test, else validation)";
    // [key, label, decimals]: counts have none (shown as integers), scores two, cost four.
    var figures = [["status", "status"], ["met", "spec met"], ["steps", "steps"], ["steps_to_converge", "steps to converge"],
      ["train", "train", 2], ["validation", "validation", 2], ["test", "test", 2], ["gap", gap, 2], ["cost_usd", "cost $", 4],
      ["tokens", "tokens"], ["alerts", "alerts"]];
    var outcomes = h("table", { "class": "data", id: "outcomes" }, h("tr", null, h("th", null, "figure"), ids.map(function (id) { return h("th", null, id); })));
    figures.forEach(function (f) {
      append(outcomes, h("tr", { "data-figure": f[0] }, h("td", null, f[1]), cmp.outcomes.map(function (o) {
        var v = o[f[0]];
        return h("td", { "class": "num" }, typeof v === "boolean" ? (v ? "yes" : "no") : num(v, f[2]));
      })));
    });
    append(box, settings, h("br"), outcomes);
    if (cmp.groups && cmp.groups.length < cmp.outcomes.length) {
      var g = h("table", { "class": "data" }, h("tr", null, ["fingerprint", "runs", "met", "steps to converge", "validation", "test", "cost $"].map(function (c) { return h("th", null, c); })));
      cmp.groups.forEach(function (grp) {
        var e = function (k) {
          var est = grp.estimates[k];
          return h("td", { "class": "num" }, est ? num(est.mean) + " [" + num(est.low) + ", " + num(est.high) + "]" : "-");
        };
        append(g, h("tr", null, h("td", null, grp.fingerprint), h("td", { "class": "num" }, grp.runs.length),
          e("met"), e("steps_to_converge"), e("validation"), e("test"), e("cost_usd")));
      });
      append(box, h("h3", null, "By harness fingerprint: mean [95% bootstrap CI]"), g);
    }
    return box;
  }

  /* ---------- alerts ---------- */

  function renderAlerts() {
    var root = clear(document.getElementById("alerts"));
    var run = focusRun();
    if (!run) return;
    append(root, h("h2", null, "Alerts (" + run.alerts.length + ")"));
    if (!run.alerts.length) { append(root, h("p", { "class": "muted" }, "No guard raised an alert.")); return; }
    var table = h("table", { "class": "data", id: "alert-table" },
      h("tr", null, ["step", "severity", "guard", "kind", "action", "message", "evidence"].map(function (c) { return h("th", null, c); })));
    run.alerts.forEach(function (a) {
      var where = a.path ? a.path + (a.line !== null && a.line !== undefined ? ":" + a.line : "") : "";
      append(table, h("tr", { "class": "alert-row" },
        h("td", null, h("a", { href: "#", onclick: function (ev) { ev.preventDefault(); selectStep(a.step); } }, String(a.step))),
        h("td", null, badge(a.severity)), h("td", null, a.guard), h("td", null, a.kind), h("td", null, a.action),
        h("td", null, a.message), h("td", null, where, a.snippet ? h("pre", null, a.snippet) : null)));
    });
    append(root, table);
  }

  /* ---------- steps ---------- */

  function selectStep(idx) {
    state.step = idx;
    state.follow = false;
    renderSteps();
    var el = document.getElementById("steps");
    if (el && el.scrollIntoView) el.scrollIntoView({ block: "start" });
  }

  function renderSteps() {
    var root = clear(document.getElementById("steps"));
    var run = focusRun();
    if (!run || !run.steps.length) return;
    var indices = run.steps.map(function (st) { return st.index; });
    // Following (until the user picks a step): the newest step while running, then the chosen one.
    if (state.step === null || indices.indexOf(state.step) < 0 || state.follow) {
      state.step = run.run.status === "running" ? indices[indices.length - 1]
        : (run.run.chosen_step !== null && run.run.chosen_step !== undefined ? run.run.chosen_step : indices[indices.length - 1]);
    }
    var pos = indices.indexOf(state.step), st = run.steps[pos];
    var list = h("div", { "class": "step-list", id: "step-list" });
    run.steps.forEach(function (x) {
      append(list, h("button", { "class": "step-item" + (x.index === state.step ? " selected" : ""), "data-step": x.index,
        onclick: function () { selectStep(x.index); } },
        h("span", null, "step " + x.index + (x.index === run.run.chosen_step ? " \u2605" : "")),
        h("span", null, num(x.train.score, 2), " ", x.alerts ? badge(String(x.alerts), "warn") : "")));
    });
    var nav = h("div", { "class": "nav" },
      h("button", { id: "prev-step", disabled: pos <= 0, onclick: function () { selectStep(indices[pos - 1]); } }, "\u2190 prev"),
      h("button", { id: "next-step", disabled: pos >= indices.length - 1, onclick: function () { selectStep(indices[pos + 1]); } }, "next \u2192"),
      h("strong", { id: "step-title" }, "Step " + st.index + ": " + st.status + (st.rolled_back ? " (rolled back)" : "")),
      data.live ? h("label", { "class": "follow" }, h("input", { type: "checkbox", id: "follow", checked: state.follow,
        onclick: function (ev) { state.follow = ev.target.checked; renderSteps(); } }), " follow the latest step") : null);
    var facts = kv([
      ["loss", num(st.loss, 3)], ["train", h("span", null, trainScore(st.train), " ", passBadge(st.train.passed))],
      ["validation", st.validation ? h("span", null, num(st.validation.score, 2), " ", passBadge(st.validation.passed)) : "-"],
      ["val gap", num(st.gap, 2)], ["budget left", num(st.budget_left)],
      ["tokens", st.tokens.input + " in / " + st.tokens.output + " out / " + st.tokens.cached + " cached"],
      ["cost $", num(st.cost_usd, 4)], ["duration", num(st.duration_s, 1) + " s"],
      ["summary", st.summary || "-"], ["error", st.error || "-"]
    ]);
    var tabs = ["diff", "feedback", "transcript", "readings"];
    var tabBar = h("div", { "class": "step-tabs" }, tabs.map(function (t) {
      return h("button", { "class": t === state.tab ? "active" : "", "data-tab": t,
        onclick: function () { state.tab = t; renderSteps(); } }, t);
    }));
    var body = h("div", { id: "step-body", "data-tab": state.tab }, stepBody(st, state.tab));
    append(root, h("h2", null, "Steps of " + run.run.id),
      h("div", { "class": "step-layout" }, list, h("div", { "class": "step-panel card", id: "step-panel", "data-step": st.index }, nav, facts, tabBar, body)));
  }

  function stepBody(st, tab) {
    var d = st.details || {};
    if (tab === "diff") return diffView(d.diff || "");
    if (tab === "feedback") {
      return [h("h3", null, "Feedback the optimizer received"), h("pre", null, d.feedback || "(baseline: no feedback yet)"),
        h("h3", null, "Feedback this step produced"), h("pre", null, d.next_feedback || "-")];
    }
    if (tab === "transcript") {
      var events = d.transcript || [];
      if (!events.length) return h("p", { "class": "muted" }, "No transcript for this step.");
      return events.map(function (e) {
        var extra = e.data && Object.keys(e.data).length ? JSON.stringify(e.data, null, 2) : "";
        return h("div", { "class": "event " + e.kind },
          h("div", { "class": "title" }, [e.kind, e.role, e.name].filter(Boolean).join(" \u00B7 ")),
          e.text ? h("pre", null, e.text) : null, extra ? h("pre", null, extra) : null);
      });
    }
    var table = h("table", { "class": "data" }, h("tr", null, ["sensor", "split", "score", "passed", "tests", "failing / findings"].map(function (c) { return h("th", null, c); })));
    (d.readings || []).forEach(function (r) {
      var c = r.counts || {};
      var issues = (r.failing || []).map(function (t) { return t.outcome + ": " + t.nodeid + (t.message ? " \u2014 " + t.message : ""); })
        .concat((r.findings || []).map(function (f) { return (f.path ? f.path + ":" + (f.line || "") + " " : "") + f.message; }));
      append(table, h("tr", null, h("td", null, r.sensor), h("td", null, r.split), h("td", { "class": "num" }, num(r.score)),
        h("td", null, passBadge(r.passed)), h("td", { "class": "num" }, (c.passed || 0) + "/" + (c.total || 0)),
        h("td", null, r.error ? h("div", null, r.error) : null, issues.length ? h("pre", null, issues.join("\n")) : "-")));
    });
    return table;
  }

  function diffView(diff) {
    if (!diff.trim()) return h("p", { "class": "muted" }, "No change in this step.");
    var pre = h("pre", { "class": "diff" });
    diff.split("\n").forEach(function (line) {
      var cls = line.indexOf("diff --git") === 0 || line.indexOf("+++") === 0 || line.indexOf("---") === 0 ? "file"
        : line.charAt(0) === "+" ? "add" : line.charAt(0) === "-" ? "del" : line.indexOf("@@") === 0 ? "hunk" : "";
      append(pre, h("span", { "class": cls }, line + "\n"));
    });
    return pre;
  }

  /* ---------- live mode: `codefit ui` ---------- */

  function renderRunList() {
    var aside = document.getElementById("run-list");
    aside.hidden = false;
    clear(aside);
    append(aside, h("h2", null, "Runs (" + state.listing.length + ")"));
    var selected = focusRun() ? focusRun().run.id : null;
    state.listing.forEach(function (r) {
      append(aside, h("button", { "class": "run-item" + (r.id === selected ? " selected" : ""), "data-run": r.id,
        onclick: function () { loadRun(r.id, true); } },
        h("strong", null, r.id), " ", badge(r.status),
        h("small", null, r.optimizer + " \u00B7 " + r.steps + " step(s) \u00B7 train " + num(r.train, 2))));
    });
  }

  function getJSON(url) {
    return fetch(url, { cache: "no-store" }).then(function (resp) {
      if (!resp.ok) throw new Error(url + ": HTTP " + resp.status);
      return resp.json();
    });
  }

  function loadRun(id, reset) {
    return getJSON("api/runs/" + encodeURIComponent(id)).then(function (run) {
      if (reset) { state.step = null; state.follow = true; }
      state.runs = [run];
      state.focus = 0;
      render();
    });
  }

  function poll() {
    getJSON("api/runs").then(function (listing) {
      state.listing = listing.runs;
      var current = focusRun();
      var chosen = current ? listing.runs.filter(function (r) { return r.id === current.run.id; })[0] : listing.runs[0];
      document.getElementById("generated").textContent = "live \u00B7 " + listing.runs.length + " run(s) \u00B7 updated " + new Date().toLocaleTimeString();
      if (chosen && (!current || current.run.updated !== chosen.updated || current.steps.length !== chosen.recorded_steps || current.run.status !== chosen.status)) {
        return loadRun(chosen.id, !current);
      }
      renderRunList();
    }).catch(function (err) {
      document.getElementById("generated").textContent = "live \u00B7 cannot reach the server (" + err.message + ")";
    }).then(function () { setTimeout(poll, data.poll_ms || 1500); });
  }

  function render() {
    renderTabs();
    renderOverview();
    renderCharts();
    renderAlerts();
    renderSteps();
    if (data.live) renderRunList();
    document.body.setAttribute("data-rendered", String(state.runs.length));
  }

  document.addEventListener("keydown", function (ev) {
    var run = focusRun();
    if (!run || ev.target.tagName === "INPUT") return;
    var indices = run.steps.map(function (st) { return st.index; });
    var pos = indices.indexOf(state.step);
    if ((ev.key === "ArrowRight" || ev.key === "j") && pos < indices.length - 1) selectStep(indices[pos + 1]);
    if ((ev.key === "ArrowLeft" || ev.key === "k") && pos > 0) selectStep(indices[pos - 1]);
  });

  render();
  if (data.live) poll();
})();
