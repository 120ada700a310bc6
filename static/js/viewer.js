// The back office's page viewer and small conveniences. Every page works without this file: the viewer's
// previous/next links and the page thumbnails are plain links; this script only adds turning pages in place,
// zoom, rotation of the view, keyboard shortcuts, "select all" in lists and hiding refusal grounds on a grant.
(function () {
  "use strict";

  var ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4];

  function setupViewer() {
    var viewer = document.getElementById("viewer");
    if (!viewer) {
      return;
    }
    var frame = document.getElementById("viewer-frame");
    var canvas = document.getElementById("viewer-canvas");
    var caption = document.getElementById("viewer-caption");
    var prev = document.getElementById("viewer-prev");
    var next = document.getElementById("viewer-next");
    var strip = Array.prototype.slice.call(document.querySelectorAll(".strip .page-link"));
    var pages = strip.map(function (link) {
      return { id: link.dataset.id, src: link.dataset.src || "", caption: link.dataset.caption, href: link.href };
    });
    var current = Math.max(0, strip.findIndex(function (link) { return link.getAttribute("aria-current") === "true"; }));
    var zoom = 2; // index into ZOOMS: 1 = fit the frame
    var rotation = 0;
    var image = null;

    viewer.classList.add("js");
    document.getElementById("viewer-tools").hidden = false;

    function layout() {
      if (!image || !image.naturalWidth) {
        return;
      }
      var turned = rotation % 180 !== 0;
      var naturalW = image.naturalWidth;
      var naturalH = image.naturalHeight;
      var boxW = turned ? naturalH : naturalW;
      var boxH = turned ? naturalW : naturalH;
      // "Fit": the whole page inside the frame; zoom multiplies that.
      var fit = Math.min((frame.clientWidth - 8) / boxW, (frame.clientHeight - 8) / boxH);
      var scale = fit * ZOOMS[zoom];
      // CSSOM assignments (not style attributes), which the strict CSP allows.
      canvas.style.width = Math.round(boxW * scale) + "px";
      canvas.style.height = Math.round(boxH * scale) + "px";
      image.style.width = Math.round(naturalW * scale) + "px";
      image.style.height = Math.round(naturalH * scale) + "px";
      image.style.transform = "translate(-50%, -50%) rotate(" + rotation + "deg)";
    }

    function show(index) {
      if (index < 0 || index >= pages.length) {
        return;
      }
      current = index;
      var page = pages[index];
      canvas.textContent = "";
      if (page.src) {
        image = document.createElement("img");
        image.id = "viewer-image";
        image.alt = page.caption;
        image.addEventListener("load", layout);
        image.src = page.src;
        canvas.appendChild(image);
      } else {
        image = null;
        var missing = document.createElement("p");
        missing.className = "empty";
        missing.textContent = page.caption;
        canvas.appendChild(missing);
      }
      rotation = 0;
      zoom = 2;
      caption.textContent = page.caption;
      strip.forEach(function (link, n) {
        if (n === index) {
          link.setAttribute("aria-current", "true");
        } else {
          link.removeAttribute("aria-current");
        }
      });
      link(prev, index - 1);
      link(next, index + 1);
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", page.href);
      }
      // The review page's action forms bring the reviewer back to the page they were looking at.
      document.querySelectorAll("input[data-viewer-page]").forEach(function (input) { input.value = page.id; });
      if (pages[index + 1] && pages[index + 1].src) {
        new Image().src = pages[index + 1].src; // the next page is usually wanted next
      }
    }

    function link(anchor, index) {
      if (index >= 0 && index < pages.length) {
        anchor.href = pages[index].href;
        anchor.removeAttribute("aria-disabled");
      } else {
        anchor.removeAttribute("href");
        anchor.setAttribute("aria-disabled", "true");
      }
    }

    function act(what) {
      if (what === "prev") { show(current - 1); }
      else if (what === "next") { show(current + 1); }
      else if (what === "zoom-in") { zoom = Math.min(ZOOMS.length - 1, zoom + 1); layout(); }
      else if (what === "zoom-out") { zoom = Math.max(0, zoom - 1); layout(); }
      else if (what === "fit") { zoom = 2; layout(); }
      else if (what === "rotate-right") { rotation = (rotation + 90) % 360; layout(); }
      else if (what === "rotate-left") { rotation = (rotation + 270) % 360; layout(); }
    }

    image = document.getElementById("viewer-image");
    if (image) {
      if (image.complete) { layout(); } else { image.addEventListener("load", layout); }
    }
    window.addEventListener("resize", layout);

    prev.addEventListener("click", function (event) { event.preventDefault(); act("prev"); });
    next.addEventListener("click", function (event) { event.preventDefault(); act("next"); });
    viewer.addEventListener("click", function (event) {
      var button = event.target.closest("[data-view]");
      if (button) { act(button.dataset.view); }
    });
    // Thumbnails and the checklist's page links turn the viewer to that page.
    document.addEventListener("click", function (event) {
      var target = event.target.closest(".page-link");
      if (target && target.dataset.index !== undefined) {
        event.preventDefault();
        show(parseInt(target.dataset.index, 10));
        frame.focus({ preventScroll: true });
        viewer.scrollIntoView({ block: "nearest" });
      }
    });
    document.addEventListener("keydown", function (event) {
      var tag = (event.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable) {
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey) {
        return;
      }
      var keys = {
        ArrowLeft: "prev", PageUp: "prev", ArrowRight: "next", PageDown: "next",
        "+": "zoom-in", "=": "zoom-in", "-": "zoom-out", "0": "fit", r: "rotate-right", R: "rotate-left"
      };
      var what = keys[event.key];
      if (what) {
        event.preventDefault();
        act(what);
      }
    });
  }

  // "Select all" in the head's lists (rows come and go with htmx, so listen on the document).
  function setupSelection() {
    document.querySelectorAll(".pick-all").forEach(function (box) { box.hidden = false; });
    document.addEventListener("change", function (event) {
      if (event.target.classList.contains("pick-all")) {
        var table = event.target.closest("table");
        table.querySelectorAll("input[name=cases]").forEach(function (box) { box.checked = event.target.checked; });
      }
    });
    document.body.addEventListener("htmx:afterSwap", function () {
      document.querySelectorAll(".pick-all").forEach(function (box) { box.hidden = false; });
    });
  }

  // A grant cites no refusal grounds: hide them unless "refused" is chosen.
  function setupDecision() {
    var form = document.getElementById("form-decide");
    if (!form) {
      return;
    }
    var grounds = form.querySelector("[data-grounds]");
    function update() {
      var chosen = form.querySelector("input[name=decision]:checked");
      grounds.hidden = !chosen || chosen.value !== "refused";
    }
    form.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupViewer();
    setupSelection();
    setupDecision();
  });
})();
