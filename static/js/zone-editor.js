/* A record's zones in the admin (registry/admin/zones.py): the map above each zone's GeoJSON
   textarea, and the map nobody can edit shown to those who only view the record.

   The textarea is the field: the map draws what it holds and writes back what is drawn, and
   the server validates it like any typed text. So the map need not handle every shape: it
   draws any Polygon or MultiPolygon, lets one draw new polygons (each a part) and drag the
   vertices of a polygon without holes; holes are edited in the text or uploaded. */
(function () {
  "use strict";

  var DIGITS = 1e7;  // about a centimetre: more than a surveyed boundary holds

  function newMap(el, center, zoom) {
    if (window.HeritageMap) {
      var base = window.HeritageMap.baseMap(el, {center: center, zoom: zoom});
      base.showGrid();
      return base.map;
    }
    return L.map(el, {center: center, zoom: zoom, attributionControl: false});
  }

  function round(v) { return Math.round(v * DIGITS) / DIGITS; }

  // GeoJSON text -> a list of polygons (lists of rings of [lon, lat]), or null if it is not one.
  function parse(text) {
    if (!text.trim()) { return []; }
    try {
      var g = JSON.parse(text);
      if (g && g.type === "Polygon" && Array.isArray(g.coordinates)) { return [g.coordinates]; }
      if (g && g.type === "MultiPolygon" && Array.isArray(g.coordinates)) { return g.coordinates; }
    } catch (e) { /* the server says why */ }
    return null;
  }

  function geojson(polygons) {
    if (!polygons.length) { return ""; }
    var rounded = polygons.map(function (poly) {
      return poly.map(function (ring) {
        return ring.map(function (p) { return [round(p[0]), round(p[1])]; });
      });
    });
    var g = rounded.length === 1 ? {type: "Polygon", coordinates: rounded[0]}
      : {type: "MultiPolygon", coordinates: rounded};
    return JSON.stringify(g);
  }

  function latLngs(poly) {
    return poly.map(function (ring) {
      return ring.filter(Array.isArray).map(function (p) { return [p[1], p[0]]; });
    });
  }

  function button(label, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button zone-button";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  // A vertex is an image (a divIcon would be HTML: tests/test_html_sinks.py).
  function vertexIcon(url) {
    return L.icon({iconUrl: url, iconSize: [12, 12], iconAnchor: [6, 6], className: "zone-vertex"});
  }

  function editor(box) {
    var input = document.getElementById(box.dataset.input);
    var lat = parseFloat((document.getElementById("id_lat") || {}).value);
    var lon = parseFloat((document.getElementById("id_lon") || {}).value);
    var here = isFinite(lat) && isFinite(lon);
    var map = newMap(box.querySelector(".zone-map"), here ? [lat, lon] : [35, 105], here ? 14 : 4);
    var shapes = L.layerGroup().addTo(map);
    var sketch = L.layerGroup().addTo(map);
    var polygons = parse(input.value) || [];
    var drawing = null;  // the points of the polygon being drawn, [lon, lat]
    var tools = box.querySelector(".zone-tools");
    var hint = document.createElement("p");
    hint.className = "zone-hint";
    hint.textContent = box.dataset.hint;
    var draw = button(box.dataset.draw, startDrawing);
    var finish = button(box.dataset.finish, finishDrawing);
    var cancel = button(box.dataset.cancel, stopDrawing);
    var clear = button(box.dataset.clear, function () { polygons = []; save(); });
    [draw, finish, cancel, clear, hint].forEach(function (n) { tools.appendChild(n); });

    function save() {
      input.value = geojson(polygons);
      render();
    }

    function render() {
      shapes.clearLayers();
      var complex = false;
      polygons.forEach(function (poly, i) {
        shapes.addLayer(L.polygon(latLngs(poly), {className: "zone-shape", interactive: false}));
        if (poly.length !== 1) { complex = true; return; }
        var ring = poly[0];
        ring.slice(0, -1).forEach(function (p, j) {
          var marker = L.marker([p[1], p[0]], {icon: vertexIcon(box.dataset.vertex), draggable: true, keyboard: false});
          marker.on("dragend", function () {
            var at = marker.getLatLng();
            ring[j] = [at.lng, at.lat];
            if (j === 0) { ring[ring.length - 1] = [at.lng, at.lat]; }
            polygons[i] = [ring];
            save();
          });
          shapes.addLayer(marker);
        });
      });
      hint.textContent = complex ? box.dataset.complex : box.dataset.hint;
      finish.disabled = !drawing || drawing.length < 3;
      cancel.disabled = !drawing;
      draw.disabled = !!drawing;
      clear.disabled = !polygons.length;
    }

    function renderSketch() {
      sketch.clearLayers();
      if (!drawing) { return; }
      var points = drawing.map(function (p) { return [p[1], p[0]]; });
      sketch.addLayer(L.polyline(points, {className: "zone-sketch", interactive: false}));
      points.forEach(function (p) { sketch.addLayer(L.circleMarker(p, {radius: 4, className: "zone-sketch"})); });
      finish.disabled = drawing.length < 3;
    }

    function startDrawing() {
      drawing = [];
      map.doubleClickZoom.disable();
      box.classList.add("zone-editor--drawing");
      render();
    }

    function stopDrawing() {
      drawing = null;
      map.doubleClickZoom.enable();
      box.classList.remove("zone-editor--drawing");
      renderSketch();
      render();
    }

    function finishDrawing() {
      if (drawing && drawing.length >= 3) {
        polygons.push([drawing.concat([drawing[0]])]);
        input.value = geojson(polygons);
      }
      stopDrawing();
    }

    map.on("click", function (e) {
      if (!drawing) { return; }
      drawing.push([e.latlng.lng, e.latlng.lat]);
      renderSketch();
    });
    // Typed or pasted text is drawn as soon as it is a polygon (its errors are the server's).
    input.addEventListener("input", function () {
      var parsed = parse(input.value);
      if (parsed) { polygons = parsed; render(); fit(); }
    });

    function fit() {
      var bounds = L.latLngBounds([]);
      shapes.eachLayer(function (layer) { if (layer.getBounds) { bounds.extend(layer.getBounds()); } });
      if (bounds.isValid()) { map.fitBounds(bounds, {padding: [16, 16], maxZoom: 17}); }
    }

    render();
    fit();
    box.dataset.ready = "true";
  }

  function viewer(box) {
    var zones = JSON.parse(box.dataset.zones);
    var map = newMap(box.querySelector(".zone-map"), [35, 105], 4);
    var bounds = L.latLngBounds([]);
    Object.keys(zones).forEach(function (name) {
      var layer = L.geoJSON(zones[name], {style: {className: "zone-shape zone-shape--" + name}, interactive: false});
      layer.addTo(map);
      bounds.extend(layer.getBounds());
    });
    if (bounds.isValid()) { map.fitBounds(bounds, {padding: [16, 16], maxZoom: 17}); }
    box.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof L === "undefined") { return; }  // the textarea still works
    document.querySelectorAll(".zone-editor").forEach(editor);
    document.querySelectorAll(".zone-viewer").forEach(viewer);
  });
})();
