/* Maps of the catalog, drawn with the Leaflet shipped in static/vendor/ and no tile server:
   the points on a plain background with a 1° / 10° graticule, so that nothing is fetched
   from outside. The result list beside the map is the accessible view of the same records. */
(function () {
  "use strict";

  function graticule(map, step) {
    var lines = L.layerGroup();
    for (var lat = -80; lat <= 80; lat += step) {
      lines.addLayer(L.polyline([[lat, -180], [lat, 180]], {className: "graticule", interactive: false}));
    }
    for (var lon = -180; lon <= 180; lon += step) {
      lines.addLayer(L.polyline([[-85, lon], [85, lon]], {className: "graticule", interactive: false}));
    }
    return lines.addTo(map);
  }

  function baseMap(el, options) {
    var map = L.map(el, Object.assign({attributionControl: false, worldCopyJump: false,
      minZoom: 2, maxZoom: 16, zoomSnap: 0.5}, options || {}));
    var fine = graticule(map, 1), coarse = graticule(map, 10);
    function showGrid() {  // 1° lines only when they are far enough apart to help
      if (map.getZoom() >= 6) { fine.addTo(map); } else { fine.remove(); }
    }
    map.on("zoomend", showGrid);
    coarse.addTo(map);
    return {map: map, showGrid: showGrid};
  }

  // Leaflet parses a string given to bindTooltip, bindPopup, setContent or L.divIcon's `html`
  // as HTML (innerHTML): a record named <img onerror=…> would become an element. So nothing
  // from the registry (a name, a code, a count) reaches Leaflet as a string: it goes in as DOM
  // nodes built by these two, whose text is set as text.
  function text(value) {
    return document.createTextNode(String(value));
  }

  // An element with attributes (set as attributes, never parsed) and children (strings become
  // text nodes).
  function element(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? text(c) : c); });
    return node;
  }

  // A point's popup: its name linked to its page, its code below. Built when it opens (a
  // function), so that thousands of markers hold no nodes until then.
  function pointPopup(recordUrl, code, name) {
    return function () {
      var href = recordUrl.replace("CODE", function () { return encodeURIComponent(code); });
      var content = document.createDocumentFragment();
      // The name is record data: Chinese in an English page too, and marked so.
      content.appendChild(element("a", {href: href, lang: "zh-Hans"}, [name]));
      content.appendChild(element("br"));
      content.appendChild(element("small", {}, [code]));
      return content;
    };
  }

  function resultsMap(el) {
    var caption = document.getElementById("map-caption");
    var recordUrl = el.dataset.recordUrl;
    var base = baseMap(el, {center: [35, 105], zoom: 3.5});
    var map = base.map;
    base.showGrid();
    fetch(el.dataset.pointsUrl, {headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (data) {
        var bounds = [];
        if (data.points.length) {
          var cluster = L.markerClusterGroup({chunkedLoading: true, showCoverageOnHover: false});
          data.points.forEach(function (p) {  // [code, name, kind, lat, lon]
            var marker = L.circleMarker([p[3], p[4]], {radius: 6, className: "point point--" + p[2]});
            marker.bindPopup(pointPopup(recordUrl, p[0], p[1]));
            cluster.addLayer(marker);
            bounds.push([p[3], p[4]]);
          });
          map.addLayer(cluster);
          caption.textContent = el.dataset.shown.replace("%(shown)s", data.total);
        } else if (data.cells.length) {
          var largest = Math.max.apply(null, data.cells.map(function (c) { return c[2]; }));
          data.cells.forEach(function (c) {  // [lat, lon, count]
            var radius = 6 + 18 * Math.sqrt(c[2] / largest);
            L.circleMarker([c[0], c[1]], {radius: radius, className: "cell"})
              .bindTooltip(text(c[2]))
              .on("click", function () { map.setView([c[0], c[1]], Math.max(map.getZoom() + 2, 7)); })
              .addTo(map);
            bounds.push([c[0], c[1]]);
          });
          caption.textContent = el.dataset.shown.replace("%(shown)s", data.total) + " · " + el.dataset.cells;
        } else {
          caption.textContent = el.dataset.shown.replace("%(shown)s", 0);
        }
        if (bounds.length) { map.fitBounds(bounds, {padding: [24, 24], maxZoom: 12}); }
        el.dataset.ready = "true";
      })
      .catch(function () { caption.textContent = "—"; el.dataset.ready = "error"; });
  }

  function recordMap(el) {
    var at = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    var base = baseMap(el, {center: at, zoom: 7, keyboard: true});
    base.showGrid();
    L.circleMarker(at, {radius: 9, className: "point point--here"})
      .bindTooltip(element("span", {lang: "zh-Hans"}, [el.dataset.name]), {direction: "top"})  // above: a long name fits
      .addTo(base.map);
    el.dataset.ready = "true";
  }

  // Shared with the other maps (static/js/protection.js): one base map, one way to hand text to
  // Leaflet.
  window.HeritageMap = {baseMap: baseMap, text: text, element: element};

  document.addEventListener("DOMContentLoaded", function () {
    // On a phone the results come first: the filters fold away (open by default without JS).
    var facets = document.querySelector(".facets__box");
    if (facets && window.matchMedia("(max-width: 800px)").matches) { facets.open = false; }
    if (typeof L === "undefined") { return; }
    var results = document.getElementById("results-map");
    if (results) { resultsMap(results); }
    var record = document.getElementById("record-map");
    if (record) { recordMap(record); }
  });
})();
