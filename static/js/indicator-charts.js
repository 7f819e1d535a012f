// Draws the report page's charts as SVG from the JSON the page embeds (json_script).
// No library and no inline script, so the page runs under a CSP without 'unsafe-inline'.
// The tables on the page hold the same figures for keyboards and screen readers.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  // Every node of a chart is built here. Labels are region names from the registry: they are
  // set as text and attributes, never parsed as markup (see catalog-map.js's text()).
  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Drawn at the box's own width, so that text keeps its CSS size on any screen.
  function size(box, least) { return Math.max(least, Math.floor(box.clientWidth || 0)); }

  // Rounded down like the page and the downloads (registry/rates.py): 0.99996 must not read
  // 100.00% beside "target not met". The 1e-7 absorbs float products such as 0.29 * 10000 = 2899.99….
  function pct(v) {
    return v === null ? null : (Math.floor(v * 10000 + 1e-7) / 100).toFixed(2) + "%";
  }

  function data(box) {
    var source = document.getElementById(box.dataset.source);
    return source ? JSON.parse(source.textContent) : [];
  }

  // The top of a rate axis: the first of these that holds every value (rates never pass 100%).
  function axisMax(values, least) {
    var top = Math.max.apply(null, [least].concat(values.filter(function (v) { return v !== null; })));
    return [0.2, 0.3, 0.5, 1].filter(function (m) { return m >= top; })[0] || 1;
  }

  function missed(value, target, rule) {
    if (value === null) return false;
    return rule === "below" ? value < target : value >= target;
  }

  // One horizontal bar per row, a vertical line at the target.
  function bars(box) {
    var rows = data(box), metric = box.dataset.metric, target = +box.dataset.target;
    var unknown = box.dataset.unknown;
    var top = 22, rowH = 24, labelW = 130, valueW = 110, width = size(box, 360);
    var plotW = width - labelW - valueW;
    var max = axisMax(rows.map(function (r) { return r[metric]; }), Math.max(+box.dataset.max, target));
    var x = function (v) { return labelW + (v / max) * plotW; };
    var height = top + rows.length * rowH + 6;
    var svg = el("svg", {viewBox: "0 0 " + width + " " + height, role: "img",
      "aria-label": box.closest("figure").querySelector("figcaption").textContent});
    rows.forEach(function (r, i) {
      var y = top + i * rowH, v = r[metric];
      var group = r.url ? el("a", {href: r.url, tabindex: "-1"}) : el("g");
      group.setAttribute("class", "bar-row");
      group.appendChild(el("text", {x: labelW - 8, y: y + 16, "text-anchor": "end",
        "class": "bar-label"}, r.label));
      group.appendChild(el("rect", {x: labelW, y: y + 3, width: plotW, height: rowH - 6,
        "class": "bar-track"}));
      if (v !== null) {
        group.appendChild(el("rect", {x: labelW, y: y + 3, width: Math.max(1, x(v) - labelW),
          height: rowH - 6, "class": missed(v, target, box.dataset.miss) ? "bar bar--miss" : "bar"}));
      }
      var text = v === null ? box.dataset.empty : pct(v);
      // The bracket is the page's (data-unknown-format, translated): （3） or " (3)".
      if (unknown) text += (box.dataset.unknownFormat || "（{n}）").replace("{n}", r[unknown]);
      group.appendChild(el("text", {x: labelW + plotW + 8, y: y + 16, "class": "bar-value"}, text));
      group.appendChild(el("title", {}, r.label + " " + text));
      svg.appendChild(group);
    });
    var tx = x(target);
    svg.appendChild(el("line", {x1: tx, x2: tx, y1: top - 6, y2: height, "class": "target"}));
    svg.appendChild(el("text", {x: tx, y: 12, "text-anchor": "middle", "class": "target-label"},
      box.dataset.targetLabel));
    box.appendChild(svg);
  }

  // The rate at each year end as a line on a time axis, the target as a dashed line.
  function trend(box) {
    var points = data(box), metric = box.dataset.metric, target = +box.dataset.target;
    var width = size(box, 300), height = 232, left = 52, right = 20, top = 16, bottom = 42;
    var max = axisMax(points.map(function (p) { return p[metric]; }), target >= 1 ? 1 : 0.2);
    var time = points.map(function (p) { return Date.parse(p.as_of); });
    var t0 = time[0], span = Math.max(1, time[time.length - 1] - t0);
    var x = function (i) { return left + ((time[i] - t0) / span) * (width - left - right); };
    var y = function (v) { return top + (1 - v / max) * (height - top - bottom); };
    var svg = el("svg", {viewBox: "0 0 " + width + " " + height, role: "img",
      "aria-label": box.closest("figure").querySelector("figcaption").textContent});
    [0, max / 2, max].forEach(function (v) {
      svg.appendChild(el("line", {x1: left, x2: width - right, y1: y(v), y2: y(v), "class": "grid"}));
      svg.appendChild(el("text", {x: left - 6, y: y(v) + 4, "text-anchor": "end",
        "class": "axis"}, (v * 100).toFixed(0) + "%"));
    });
    svg.appendChild(el("line", {x1: left, x2: width - right, y1: y(target), y2: y(target),
      "class": "target"}));
    svg.appendChild(el("text", {x: width - right, y: y(target) - 4, "text-anchor": "end",
      "class": "target-label"}, box.dataset.targetLabel));
    var path = "", pen = "M", base = height - bottom;
    var every = Math.ceil((36 * points.length) / (width - left - right));  // room for "2020"
    points.forEach(function (p, i) {
      var last = i === points.length - 1;
      // Year ends are labelled by their year; the report day, last, on a line of its own.
      if (last) {
        svg.appendChild(el("text", {x: x(i), y: base + 32, "text-anchor": "end",
          "class": "axis"}, p.as_of));
      } else if ((points.length - 2 - i) % every === 0) {
        svg.appendChild(el("text", {x: x(i), y: base + 16, "text-anchor": "middle",
          "class": "axis"}, p.as_of.slice(0, 4)));
      }
      if (p[metric] === null) { pen = "M"; return; }
      path += pen + x(i).toFixed(1) + " " + y(p[metric]).toFixed(1) + " ";
      pen = "L";
      var dot = el("circle", {cx: x(i), cy: y(p[metric]), r: 3.5, "class": "dot"});
      dot.appendChild(el("title", {}, p.as_of + " " + pct(p[metric])));
      svg.appendChild(dot);
    });
    svg.insertBefore(el("path", {d: path, "class": "line"}), svg.querySelector("circle"));
    box.appendChild(svg);
  }

  function draw() {
    document.querySelectorAll("[data-chart]").forEach(function (box) {
      box.textContent = "";
      (box.dataset.chart === "bars" ? bars : trend)(box);
    });
  }

  var timer = null, drawnWidth = window.innerWidth;
  window.addEventListener("resize", function () {
    if (window.innerWidth === drawnWidth) return;
    drawnWidth = window.innerWidth;
    clearTimeout(timer);
    timer = setTimeout(draw, 150);
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
