/* A record's photos (templates/catalog/_record_media.html): a thumbnail opens its photo in a
   <dialog> with the capture day and the caption, previous / next by button or arrow key.
   Without this script each thumbnail is a plain link to the full image. Loaded as a file
   (CSP script-src 'self'); writes only text and attributes, never HTML. */
(function () {
  "use strict";
  var viewer = document.getElementById("photo-viewer");
  if (!viewer || typeof viewer.showModal !== "function") return;
  var links = Array.prototype.slice.call(document.querySelectorAll(".gallery__link"));
  var image = viewer.querySelector(".lightbox__image");
  var caption = viewer.querySelector(".lightbox__caption");
  var count = viewer.querySelector(".lightbox__count");
  var full = viewer.querySelector(".lightbox__full");
  var prev = viewer.querySelector(".lightbox__prev");
  var next = viewer.querySelector(".lightbox__next");
  var current = 0;

  function show(index) {
    current = (index + links.length) % links.length;
    var link = links[current];
    var thumb = link.querySelector("img");
    image.src = link.href;
    image.alt = thumb ? thumb.alt : "";
    full.href = link.href;
    var parts = [link.dataset.day, link.dataset.caption].filter(Boolean);
    caption.textContent = parts.join(" · ");
    count.textContent = links.length > 1 ? (current + 1) + " / " + links.length : "";
    prev.hidden = next.hidden = links.length < 2;
  }

  links.forEach(function (link, index) {
    link.addEventListener("click", function (event) {
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      show(index);
      viewer.showModal();
    });
  });
  prev.addEventListener("click", function () { show(current - 1); });
  next.addEventListener("click", function () { show(current + 1); });
  viewer.querySelector(".lightbox__close").addEventListener("click", function () {
    viewer.close();
  });
  viewer.addEventListener("keydown", function (event) {
    if (event.key === "ArrowLeft") show(current - 1);
    if (event.key === "ArrowRight") show(current + 1);
  });
  // A click on the backdrop (outside the dialog's box) closes it.
  viewer.addEventListener("click", function (event) {
    if (event.target === viewer) viewer.close();
  });
  viewer.addEventListener("close", function () {
    image.removeAttribute("src");
    links[current].focus();
  });
})();
