/* /protection/ (templates/protection/check.html): the map of "is this place protected?".
   The page is rendered for the point already (it works without this script); here the zones
   found are drawn from the page's JSON, and a click on the map asks the page again for the
   point clicked, through the same GET form (so every answer has a link). Names reach Leaflet
   as DOM nodes only (HeritageMap.element), never as HTML strings. */
(function () {
  "use strict";

  var CHINA = {center: [35, 105], zoom: 3.5};
  // Control zones first, so that the protection zones inside them are drawn on top.
  var ORDER = {control: 0, protection: 1};

  // A zone's tooltip: the record's name (Chinese, marked so), its code, which zone.
  function tooltipParts(el, shape) {
    var element = window.HeritageMap.element;
    return [
      element("span", {lang: "zh-Hans"}, [shape.name]), " ",
      element("small", {}, [shape.code]), element("br"),
      el.dataset[shape.zone === "protection" ? "labelProtection" : "labelControl"]
    ];
  }

  function savedZoom() {
    try { return parseFloat(sessionStorage.getItem("protectionZoom")); } catch (e) { return null; }
  }

  function draw(el) {
    var shapes = JSON.parse(document.getElementById(el.dataset.shapes).textContent);
    var element = window.HeritageMap.element;
    var base = window.HeritageMap.baseMap(el, Object.assign({keyboard: true}, CHINA));
    var map = base.map;
    var bounds = L.latLngBounds([]);
    shapes.slice().sort(function (a, b) { return ORDER[a.zone] - ORDER[b.zone]; })
      .forEach(function (shape) {
        var layer = L.geoJSON(shape.geometry, {className: "zone zone--" + shape.zone});
        layer.bindTooltip(element("span", {}, tooltipParts(el, shape)), {sticky: true}).addTo(map);
        bounds.extend(layer.getBounds());
      });
    var point = null;
    if (el.dataset.lat !== undefined) {
      point = L.latLng(parseFloat(el.dataset.lat), parseFloat(el.dataset.lon));
      L.circleMarker(point, {radius: 7, className: "check-point", interactive: false}).addTo(map);
      bounds.extend(point);
    }
    function fit() {
      map.invalidateSize();
      if (shapes.length) {
        map.fitBounds(bounds, {padding: [24, 24]});
      } else if (point) {
        map.setView(point, savedZoom() || 12);
      }
      base.showGrid();
    }
    fit();
    // A printed page is narrower than the screen: the map takes the paper's width before the
    // page is laid out for printing, and the zones are fitted to it (protection.css).
    window.addEventListener("beforeprint", function () { el.classList.add("check-map--paper"); fit(); });
    window.addEventListener("afterprint", function () { el.classList.remove("check-map--paper"); fit(); });
    window.matchMedia("print").addEventListener("change", fit);  // print media emulated
    map.on("click", function (e) { ask(el, map, e.latlng.wrap()); });
    el.dataset.ready = "true";
  }

  function ask(el, map, latlng) {
    var form = document.getElementById("check-form");
    form.elements.lat.value = latlng.lat.toFixed(6);  // 0.1 m: finer than any zone is drawn
    form.elements.lon.value = latlng.lng.toFixed(6);
    try {  // the next page, finding no zone, keeps this zoom; storage may be refused
      sessionStorage.setItem("protectionZoom", String(map.getZoom()));
    } catch (e) { /* the default zoom then */ }
    el.dataset.ready = "asking";
    form.submit();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".check-print-button");
    if (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    }
    var el = document.getElementById("protection-map");
    if (el && typeof L !== "undefined" && window.HeritageMap) { draw(el); }
  });
})();
