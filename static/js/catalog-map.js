/* Maps of the catalog, drawn with the Leaflet shipped in static/vendor/. The base map is the
   shipped schematic outlines of the provinces and prefectures (static/vendor/china-outlines/,
   fetched once when a map is drawn), labelled as schematic, so that nothing is fetched from
   outside; a deployment with a licensed tile service (HERITAGE_TILE_URL) gets its tiles and
   credit instead. The result list beside the map is the accessible view of the same records. */
(function () {
  "use strict";

  // Prefecture lines and names from this zoom on; province names from PROVINCE_NAMES_ZOOM.
  var PREFECTURE_ZOOM = 6, PROVINCE_NAMES_ZOOM = 3.5;
  // The search map asks for zone outlines from this zoom on (a county or so in view: the
  // server refuses views wider than 5° and answers at most 250 records' zones).
  var ZONES_ZOOM = 10;

  function graticule(map, step) {
    var lines = L.layerGroup();
    for (var lat = -80; lat <= 80; lat += step) {
      lines.addLayer(L.polyline([[lat, -180], [lat, 180]], {className: "graticule", interactive: false}));
    }
    for (var lon = -180; lon <= 180; lon += step) {
      lines.addLayer(L.polyline([[-85, lon], [85, lon]], {className: "graticule", interactive: false}));
    }
    return lines;
  }

  // A corner note built from DOM nodes: Leaflet's own attribution control sets its text as
  // HTML, so the credit of a tile service or the schematic label goes through this instead.
  function note(value) {
    var Note = L.Control.extend({
      options: {position: "bottomright"},
      onAdd: function () { return element("div", {"class": "map-note"}, [value]); }
    });
    return new Note();
  }

  var outlinesPromise = {};  // one fetch a page, whichever maps it has
  function outlines(url) {
    if (!outlinesPromise[url]) {
      outlinesPromise[url] = fetch(url, {headers: {Accept: "application/json"}}).then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        return r.json();
      });
    }
    return outlinesPromise[url];
  }

  function lines(coordinates, className) {  // [[[lon, lat], ...], ...] as one layer
    var latlngs = coordinates.map(function (line) {
      return line.map(function (p) { return [p[1], p[0]]; });
    });
    return L.polyline(latlngs, {className: className, interactive: false, smoothFactor: 1.5});
  }

  // Place names as plain text positioned over the map (not markers nor tooltips: those are
  // for the records), hidden from screen readers (the map's own label and the list say it).
  var Labels = L.Layer.extend({
    initialize: function (rows, english) { this._rows = rows; this._english = english; },
    onAdd: function (map) {
      var english = this._english;
      this._el = element("div", {"class": "map-labels leaflet-zoom-hide", "aria-hidden": "true"});
      this._nodes = this._rows.map(function (r) {
        var name = english && r[1] ? r[1] : r[0];
        return element("span", english && r[1] ? {} : {lang: "zh-Hans"}, [name]);
      });
      this._nodes.forEach(function (n) { this._el.appendChild(n); }, this);
      if (!map.getPane("labels")) { map.createPane("labels"); }
      map.getPane("labels").appendChild(this._el);
      map.on("zoomend viewreset", this._place, this);
      this._place();
    },
    onRemove: function (map) {
      map.off("zoomend viewreset", this._place, this);
      this._el.remove();
    },
    _place: function () {
      var map = this._map;
      this._rows.forEach(function (r, i) {
        L.DomUtil.setPosition(this._nodes[i], map.latLngToLayerPoint([r[2], r[3]]));
      }, this);
    }
  });

  function labels(rows, english, small) {  // [name, name_en, lat, lon, small]
    return new Labels(rows.filter(function (r) { return Boolean(r[4]) === small; }), english);
  }

  // The shipped outlines: province lines always, prefecture lines and names when zoomed in.
  function drawOutlines(map, data, fallback) {
    var english = (document.documentElement.lang || "").indexOf("en") === 0;
    var layers = {
      coast: lines(data.coast, "outline outline--coast"),
      provinces: lines(data.provinces, "outline outline--province"),
      prefectures: lines(data.prefectures, "outline outline--prefecture"),
      provinceNames: labels(data.province_labels, english, false),
      smallProvinceNames: labels(data.province_labels, english, true),  // Beijing, Hong Kong…
      prefectureNames: labels(data.prefecture_labels, english, false)
    };
    fallback.remove();
    layers.coast.addTo(map);
    layers.provinces.addTo(map);
    function show() {
      var zoom = map.getZoom();
      [[layers.prefectures, zoom >= PREFECTURE_ZOOM],
       [layers.prefectureNames, zoom >= PREFECTURE_ZOOM + 1],
       [layers.provinceNames, zoom >= PROVINCE_NAMES_ZOOM && zoom < PREFECTURE_ZOOM + 1],
       [layers.smallProvinceNames, zoom >= PROVINCE_NAMES_ZOOM + 1.5]
      ].forEach(function (pair) {
        if (pair[1]) { pair[0].addTo(map); } else { pair[0].remove(); }
      });
    }
    map.on("zoomend", show);
    show();
    return layers;
  }

  function baseMap(el, options) {
    var map = L.map(el, Object.assign({attributionControl: false, worldCopyJump: false,
      minZoom: 2, maxZoom: 18, zoomSnap: 0.5}, options || {}));
    var fine = graticule(map, 1), coarse = graticule(map, 10).addTo(map);
    function showGrid() {  // 1° lines only when they are far enough apart to help
      if (map.getZoom() >= 6 && !el.dataset.basemap) { fine.addTo(map); } else { fine.remove(); }
    }
    map.on("zoomend", showGrid);
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, {maxZoom: 18}).addTo(map);
      note(el.dataset.tileAttribution).addTo(map);
      coarse.remove();
      el.dataset.basemap = "tiles";
    } else if (el.dataset.outlinesUrl) {
      note(el.dataset.schematic).addTo(map);
      outlines(el.dataset.outlinesUrl).then(function (data) {
        fine.remove();
        drawOutlines(map, data, coarse);
        el.dataset.basemap = "outlines";
      }).catch(function () { el.dataset.basemap = ""; });  // the graticule stays
    }
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

  function zoneStyle(feature) {
    return {className: "zone zone--" + feature.properties.zone};
  }

  function zoneLayer(zone) {  // {zone: "protection" | "control", geometry}
    return L.geoJSON({type: "Feature", properties: {zone: zone.zone}, geometry: zone.geometry},
      {style: zoneStyle});
  }

  // The box of a map's view as the bbox parameter writes it, inside the valid ranges.
  function viewBox(map) {
    var b = map.getBounds();
    function clamp(v, limit) { return Math.max(-limit, Math.min(limit, v)); }
    return [clamp(b.getWest(), 180), clamp(b.getSouth(), 90), clamp(b.getEast(), 180),
      clamp(b.getNorth(), 90)].map(function (v) { return v.toFixed(4); }).join(",");
  }

  // "Search this area": the same search (q and every filter) with bbox = the view.
  function searchArea(map, button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var params = new URLSearchParams(window.location.search);
      params.set("bbox", viewBox(map));
      params.delete("page");
      window.location.assign(window.location.pathname + "?" + params.toString());
    });
  }

  // The zone outlines of the search's records in view, when zoomed in enough: one request per
  // move (the previous one cancelled), at most the server's limit of records.
  function searchZones(map, el, note) {
    var layer = L.layerGroup().addTo(map), pending = null;
    function load() {
      if (pending) { pending.abort(); pending = null; }
      if (map.getZoom() < ZONES_ZOOM) { layer.clearLayers(); note.textContent = ""; return; }
      pending = new AbortController();
      var url = el.dataset.zonesUrl + (el.dataset.zonesUrl.indexOf("?") < 0 ? "?" : "&") +
        "view=" + encodeURIComponent(viewBox(map));
      fetch(url, {headers: {Accept: "application/json"}, signal: pending.signal})
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) {
          layer.clearLayers();
          data.zones.forEach(function (z) {
            // The name is record data: Chinese in an English page too, and marked so.
            zoneLayer(z).bindTooltip(element("span", {lang: "zh-Hans"}, [z.name]), {sticky: true})
              .addTo(layer);
          });
          note.textContent = data.truncated ? el.dataset.zonesMore : "";
          el.dataset.zones = String(data.zones.length);
        })
        .catch(function (e) { if (e.name !== "AbortError") { el.dataset.zones = "error"; } });
    }
    map.on("moveend", load);
    load();
  }

  function resultsMap(el) {
    var caption = document.getElementById("map-caption");
    var recordUrl = el.dataset.recordUrl;
    var base = baseMap(el, {center: [35, 105], zoom: 3.5});
    var map = base.map;
    base.showGrid();
    var area = null;
    if (el.dataset.bbox) {  // the search's area: drawn, and the map opens on it
      var box = el.dataset.bbox.split(",").map(Number);
      area = L.rectangle([[box[1], box[0]], [box[3], box[2]]],
        {className: "area-box", interactive: false, fill: false}).addTo(map);
    }
    var button = document.getElementById("search-area");
    if (button) { searchArea(map, button); }
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
        if (area) {
          map.fitBounds(area.getBounds(), {padding: [12, 12]});
        } else if (bounds.length) {
          map.fitBounds(bounds, {padding: [24, 24], maxZoom: 12});
        }
        searchZones(map, el, document.getElementById("zones-note"));
        el.dataset.ready = "true";
      })
      .catch(function () { caption.textContent = "—"; el.dataset.ready = "error"; });
  }

  function recordMap(el) {
    var source = document.getElementById("record-zones");
    var zones = source ? JSON.parse(source.textContent) : [];
    var at = el.dataset.lat !== undefined ? [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)] : null;
    var base = baseMap(el, {center: at || [35, 105], zoom: 7, keyboard: true});
    base.showGrid();
    var bounds = L.latLngBounds([]);
    zones.forEach(function (z) {  // control first, under the protection zone
      var layer = zoneLayer(z).addTo(base.map);
      bounds.extend(layer.getBounds());
    });
    if (at) {
      L.circleMarker(at, {radius: 9, className: "point point--here"})
        .bindTooltip(element("span", {lang: "zh-Hans"}, [el.dataset.name]), {direction: "top"})  // above: a long name fits
        .addTo(base.map);
      bounds.extend(at);
    }
    if (zones.length) { base.map.fitBounds(bounds, {padding: [16, 16], maxZoom: 17}); }
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
