/// The page's script: follows `/api/events`, keeps the same windows as the
/// sink (`TimeWindow`'s rules, applied to each delta), and draws each key
/// and field as an SVG chart. Plain JavaScript, no library, no build step.
///
/// Each chart carries `data-key`, `data-field` and `data-points`, the body
/// `data-state` (connecting, live, reconnecting), and
/// `sluiceDashboard.series(key, field)` returns the page's window, so a test
/// can compare what the page holds with `/api/series`.
enum DashboardScript {
    static let bytes = Array(source.utf8)

    static let source = #"""
    "use strict";
    (() => {
      const SVG = "http://www.w3.org/2000/svg";
      const W = 600, H = 190, PAD = { left: 46, right: 10, top: 10, bottom: 22 };
      const page = { fields: [], limits: { points: 500, alerts: 50 }, keys: new Map(), dirty: new Set(), scheduled: false };
      const charts = document.getElementById("charts");
      const status = document.getElementById("status");

      const timeOf = (item) => Array.isArray(item) ? item[0] : item.time;
      const sameTime = (a, b) => timeOf(a) === timeOf(b);
      const sameAlert = (a, b) => a.time === b.time && a.name === b.name && a.state === b.state;

      // TimeWindow.insert: in time order, a replay replaces, the oldest leaves a full window.
      function insert(items, item, capacity, replaces) {
        const t = timeOf(item);
        if (items.length === 0 || t > timeOf(items[items.length - 1])) {
          items.push(item);
        } else {
          let low = 0, high = items.length;
          while (low < high) {
            const mid = (low + high) >> 1;
            if (timeOf(items[mid]) < t) low = mid + 1; else high = mid;
          }
          let at = low;
          for (; at < items.length && timeOf(items[at]) === t; at++) {
            if (replaces(item, items[at])) { items[at] = item; return; }
          }
          if (items.length === capacity && at === 0) return;
          items.splice(at, 0, item);
        }
        if (items.length > capacity) items.splice(0, items.length - capacity);
      }

      function keyState(key) {
        let k = page.keys.get(key);
        if (!k) {
          k = { fields: {} };
          for (const f of page.fields) k.fields[f] = { points: [], predicted: [], forecast: null, alerts: [] };
          page.keys.set(key, k);
        }
        return k;
      }

      function apply(delta) {
        for (const key of delta.evicted || []) {
          page.keys.delete(key);
          page.dirty.add(key);
        }
        for (const entry of delta.keys || []) {
          const k = keyState(entry.key);
          for (const [field, change] of Object.entries(entry.fields || {})) {
            const s = k.fields[field];
            if (!s) continue;
            for (const p of change.points || []) insert(s.points, p, page.limits.points, sameTime);
            for (const p of change.predicted || []) insert(s.predicted, p, page.limits.points, sameTime);
            if (change.forecast) s.forecast = change.forecast;
            for (const a of change.alerts || []) insert(s.alerts, a, page.limits.alerts, sameAlert);
          }
          page.dirty.add(entry.key);
        }
        schedule();
      }

      function reset(snapshot) {
        page.fields = snapshot.fields;
        page.limits = snapshot.limits;
        page.keys.clear();
        charts.querySelectorAll("section.key").forEach((el) => el.remove());
        apply(snapshot);
      }

      function schedule() {
        if (page.scheduled) return;
        page.scheduled = true;
        requestAnimationFrame(render);
      }

      function render() {
        page.scheduled = false;
        for (const key of page.dirty) {
          const k = page.keys.get(key);
          const card = charts.querySelector(`section.key[data-key="${CSS.escape(key)}"]`);
          if (!k) { if (card) card.remove(); continue; }
          draw(card || newCard(key), key, k);
        }
        page.dirty.clear();
        document.getElementById("empty").hidden = page.keys.size > 0;
      }

      function newCard(key) {
        const card = document.createElement("section");
        card.className = "key";
        card.dataset.key = key;
        const title = document.createElement("h2");
        title.textContent = key || "(no key)";
        card.appendChild(title);
        for (const field of page.fields) {
          const box = document.createElement("div");
          box.className = "field";
          box.innerHTML = `<div class="label"><span class="name"></span><span class="now"></span></div>`;
          box.querySelector(".name").textContent = field;
          const svg = document.createElementNS(SVG, "svg");
          svg.setAttribute("class", "chart");
          svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
          svg.dataset.key = key;
          svg.dataset.field = field;
          svg.addEventListener("mousemove", (e) => hover(svg, e));
          svg.addEventListener("mouseleave", () => { const h = svg.querySelector(".hover"); if (h) h.remove(); });
          box.appendChild(svg);
          const alerts = document.createElement("div");
          alerts.className = "alerts";
          box.appendChild(alerts);
          card.appendChild(box);
        }
        // Cards stay sorted by key.
        const after = [...charts.querySelectorAll("section.key")].find((c) => c.dataset.key > key);
        charts.insertBefore(card, after || null);
        return card;
      }

      // Not Math.min(...a): a window of 100000 readings is more arguments than a call may take.
      const lowest = (a) => a.reduce((m, v) => v < m ? v : m, Infinity);
      const highest = (a) => a.reduce((m, v) => v > m ? v : m, -Infinity);
      const el = (name, attrs) => {
        const e = document.createElementNS(SVG, name);
        for (const [a, v] of Object.entries(attrs)) e.setAttribute(a, v);
        return e;
      };
      const fmt = (v) => v === null || v === undefined ? "–" : Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(4)).toString();
      const when = (t) => new Date(t).toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

      function draw(card, key, k) {
        for (const box of card.querySelectorAll(".field")) {
          const svg = box.querySelector("svg");
          const s = k.fields[svg.dataset.field];
          svg.dataset.points = String(s.points.length);
          svg.replaceChildren();
          const last = s.points[s.points.length - 1];
          const next = s.forecast && s.forecast.steps[0];
          const now = box.querySelector(".now");
          now.textContent = last ? `${fmt(last[1])} at ${when(last[0])}` : "no readings yet";
          if (next) now.textContent += ` · next ${fmt(next[1])}`;
          const open = openAlerts(s.alerts);
          box.querySelector(".alerts").textContent = open.length ? "⚠ " + open.map((a) => a.name).join(", ") : "";
          plot(svg, s);
        }
      }

      // Alerts opened and not cleared since, by name.
      function openAlerts(alerts) {
        const byName = new Map();
        for (const a of alerts) byName.set(a.name, a);
        return [...byName.values()].filter((a) => a.state === "opened");
      }

      function plot(svg, s) {
        const steps = s.forecast ? s.forecast.steps : [];
        const times = s.points.map((p) => p[0]).concat(steps.map((p) => p[0]));
        if (times.length === 0) {
          svg.appendChild(el("text", { x: W / 2, y: H / 2, "text-anchor": "middle" })).textContent = "waiting for readings";
          return;
        }
        const axis = timeAxis(s.points, highest(times));
        const { x, t0, t1 } = axis;
        const inRange = s.predicted.filter((p) => p[0] >= t0 && p[0] <= t1);
        const values = s.points.map((p) => p[1]);
        for (const p of inRange.concat(steps)) values.push(p[4], p[5]);
        let v0 = lowest(values), v1 = highest(values);
        if (v1 === v0) { v0 -= 1; v1 += 1; }
        const pad = (v1 - v0) * 0.06;
        v0 -= pad; v1 += pad;
        const y = (v) => PAD.top + (1 - (v - v0) / (v1 - v0)) * (H - PAD.top - PAD.bottom);
        svg._axis = axis;

        svg.appendChild(el("rect", { x: PAD.left, y: PAD.top, width: W - PAD.left - PAD.right, height: H - PAD.top - PAD.bottom, fill: "#fafbfc", stroke: "#e3e7ec" }));
        for (let i = 0; i <= 4; i++) {
          const v = v0 + (v1 - v0) * i / 4;
          svg.appendChild(el("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), stroke: "#eceff3" }));
          svg.appendChild(el("text", { x: PAD.left - 4, y: y(v) + 3, "text-anchor": "end" })).textContent = fmt(v);
        }
        for (const b of axis.breaks) {
          svg.appendChild(el("rect", { x: b - 4, y: PAD.top, width: 8, height: H - PAD.top - PAD.bottom, fill: "#fff" }));
          for (const dx of [-3, 1]) {
            svg.appendChild(el("line", { x1: b + dx, x2: b + dx + 2, y1: H - PAD.bottom + 4, y2: H - PAD.bottom - 4, stroke: "#9aa4b1" }));
          }
        }
        svg.appendChild(el("text", { x: PAD.left, y: H - 6 })).textContent = when(t0);
        svg.appendChild(el("text", { x: W - PAD.right, y: H - 6, "text-anchor": "end" })).textContent = when(t1);

        // Alert periods: from an opening to the clearing of the same rule (or the right edge).
        const opened = new Map();
        for (const a of s.alerts) {
          if (a.state === "opened") { if (!opened.has(a.name)) opened.set(a.name, a.time); continue; }
          if (opened.has(a.name)) { shade(svg, x, Math.max(opened.get(a.name), t0), a.time); opened.delete(a.name); }
        }
        for (const start of opened.values()) shade(svg, x, Math.max(start, t0), t1);
        for (const a of s.alerts) {
          if (a.time < t0 || a.time > t1) continue;
          const mark = svg.appendChild(el("line", { x1: x(a.time), x2: x(a.time), y1: PAD.top, y2: H - PAD.bottom,
            stroke: "#c62828", "stroke-width": a.state === "opened" ? 1.5 : 1, "stroke-dasharray": a.state === "opened" ? "" : "2 3" }));
          mark.appendChild(el("title", {})).textContent = `${a.name} ${a.state} at ${when(a.time)} (${fmt(a.value)})`;
        }

        for (const run of runs(inRange)) band(svg, run, x, y, 4, 5, "rgba(31,111,209,.14)");
        if (steps.length) {
          const anchor = s.points.length ? [s.points[s.points.length - 1]] : [];
          const from = anchor.map((p) => [p[0], p[1], p[1], p[1], p[1], p[1]]).concat(steps);
          band(svg, from, x, y, 4, 5, "rgba(217,115,13,.14)");
          band(svg, from, x, y, 2, 3, "rgba(217,115,13,.28)");
          svg.appendChild(el("polyline", { points: from.map((p) => `${x(p[0])},${y(p[1])}`).join(" "), fill: "none",
            stroke: "#d9730d", "stroke-width": 1.5, "stroke-dasharray": "4 3" }));
        }
        for (const run of runs(s.points)) {
          if (run.length === 1) {
            svg.appendChild(el("circle", { cx: x(run[0][0]), cy: y(run[0][1]), r: 1.8, fill: "#1f6fd1" }));
          } else {
            svg.appendChild(el("polyline", { points: run.map((p) => `${x(p[0])},${y(p[1])}`).join(" "), fill: "none",
              stroke: "#1f6fd1", "stroke-width": 1.5, "stroke-linejoin": "round" }));
          }
        }
        if (s.points.length) {
          const p = s.points[s.points.length - 1];
          svg.appendChild(el("circle", { cx: x(p[0]), cy: y(p[1]), r: 3, fill: "#1f6fd1" }));
        }
      }

      function shade(svg, x, from, to) {
        svg.appendChild(el("rect", { x: x(from), y: PAD.top, width: Math.max(1, x(to) - x(from)), height: H - PAD.top - PAD.bottom,
          fill: "rgba(198,40,40,.08)" }));
      }

      function band(svg, steps, x, y, lo, hi, fill) {
        if (steps.length < 2) return;
        const top = steps.map((p) => `${x(p[0])},${y(p[hi])}`);
        const bottom = steps.slice().reverse().map((p) => `${x(p[0])},${y(p[lo])}`);
        svg.appendChild(el("polygon", { points: top.concat(bottom).join(" "), fill, stroke: "none" }));
      }

      // A time axis that squeezes each long gap (a sensor out for the winter)
      // to a narrow break, so months without readings do not flatten the
      // readings around them. `tEnd` stretches the last run (the forecast).
      function timeAxis(points, tEnd) {
        const segments = runs(points).map((r) => [r[0][0], r[r.length - 1][0]]);
        if (!segments.length) segments.push([tEnd, tEnd]);
        const last = segments[segments.length - 1];
        last[1] = Math.max(last[1], tEnd);
        const GAP = 14, width = W - PAD.left - PAD.right - GAP * (segments.length - 1);
        const total = segments.reduce((n, [a, b]) => n + (b - a), 0) || 1;
        const weights = segments.map(([a, b]) => Math.max(b - a, total * 0.02));
        const sum = weights.reduce((n, w) => n + w, 0);
        let px = PAD.left;
        const spans = segments.map(([a, b], i) => {
          const span = { a, b, p: px, q: px + width * weights[i] / sum };
          px = span.q + GAP;
          return span;
        });
        const x = (t) => {
          for (let i = 0; i < spans.length; i++) {
            const s = spans[i];
            if (t > s.b && i < spans.length - 1) continue;
            if (t < s.a) return i === 0 ? s.p : spans[i - 1].q + (t - spans[i - 1].b) / (s.a - spans[i - 1].b) * GAP;
            return s.b === s.a ? (s.p + s.q) / 2 : s.p + (Math.min(t, s.b) - s.a) / (s.b - s.a) * (s.q - s.p);
          }
        };
        const time = (px) => {
          const s = spans.find((s) => px <= s.q) || spans[spans.length - 1];
          return s.b === s.a ? s.a : s.a + (px - s.p) / (s.q - s.p) * (s.b - s.a);
        };
        return { x, time, t0: segments[0][0], t1: last[1], breaks: spans.slice(1).map((s) => s.p - GAP / 2) };
      }

      // The readings split where a gap is far longer than the usual step (a sensor out for the winter).
      function runs(points) {
        if (points.length < 3) return points.length ? [points] : [];
        const gaps = [];
        for (let i = 1; i < points.length; i++) gaps.push(points[i][0] - points[i - 1][0]);
        const usual = gaps.slice().sort((a, b) => a - b)[gaps.length >> 1];
        const out = [[points[0]]];
        for (let i = 1; i < points.length; i++) {
          if (usual > 0 && gaps[i - 1] > 10 * usual) out.push([]);
          out[out.length - 1].push(points[i]);
        }
        return out;
      }

      function hover(svg, e) {
        const axis = svg._axis;
        const s = page.keys.get(svg.dataset.key)?.fields[svg.dataset.field];
        if (!axis || !s || !s.points.length) return;
        const box = svg.getBoundingClientRect();
        const t = axis.time((e.clientX - box.left) / box.width * W);
        let best = s.points[0];
        for (const p of s.points) if (Math.abs(p[0] - t) < Math.abs(best[0] - t)) best = p;
        let h = svg.querySelector(".hover");
        if (!h) { h = el("text", { class: "hover", y: PAD.top + 12 }); svg.appendChild(h); }
        h.setAttribute("x", Math.min(Math.max(axis.x(best[0]), PAD.left + 60), W - PAD.right - 60));
        h.setAttribute("text-anchor", "middle");
        h.textContent = `${fmt(best[1])} at ${when(best[0])}`;
      }

      function connect() {
        const events = new EventSource("/api/events");
        events.addEventListener("snapshot", (e) => {
          const snapshot = JSON.parse(e.data);
          document.title = snapshot.title;
          reset(snapshot);
          document.body.dataset.state = "live";
          status.textContent = "live";
        });
        events.addEventListener("update", (e) => {
          apply(JSON.parse(e.data));
          status.textContent = `live · updated ${new Date().toLocaleTimeString()}`;
        });
        events.onerror = () => {
          // EventSource reconnects by itself; the next snapshot replaces everything.
          document.body.dataset.state = "reconnecting";
          status.textContent = "reconnecting…";
        };
      }

      // What the page holds for a key and field, for a test (or a console) to compare with /api/series.
      window.sluiceDashboard = { series: (key, field) => page.keys.get(key)?.fields[field] ?? null };
      connect();
    })();
    """#
}
