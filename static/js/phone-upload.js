// The applicant's phone page: each photo goes up resumably (tus), so a village line that drops resumes where it
// stopped. Without JavaScript (or tus support) the form posts the photos as it is.
(function () {
  "use strict";
  var form = document.querySelector("form[data-tus-link]");
  if (!form || !window.hromadaTus || !window.tus || !window.tus.isSupported) return;
  var status = document.createElement("ul");
  status.setAttribute("aria-live", "polite");
  form.appendChild(status);
  form.addEventListener("submit", function (event) {
    var input = form.querySelector("input[type=file]");
    if (!input.files.length) return;
    event.preventDefault();
    var type = form.querySelector("select[name=document_type]");
    var failed = false;
    var documentId = "";  // the first photo makes the document; the next ones join it, one after another
    var rows = Array.prototype.map.call(input.files, function (file) {
      var li = document.createElement("li");
      var bar = document.createElement("progress");
      bar.max = 100;
      li.textContent = file.name + " ";
      li.appendChild(bar);
      status.appendChild(li);
      return { file: file, li: li, bar: bar };
    });
    input.value = "";
    rows.reduce(function (chain, r) {
      return chain.then(function () {
        return new Promise(function (next) {
          var started = window.hromadaTus.send(r.file, {
            endpoint: form.dataset.tusEndpoint,
            metadata: { "case": form.dataset.tusCase, link: form.dataset.tusLink, document_type: type ? type.value : "", document: documentId },
            onProgress: function (share) { r.bar.value = Math.round(100 * share); },
            onDone: function (made) { r.bar.value = 100; r.li.className = "ok"; documentId = documentId || made; next(); },
            onError: function (detail) { failed = true; r.li.className = "error"; r.li.appendChild(document.createTextNode(" " + (detail || form.dataset.textFailed))); next(); }
          });
          if (!started) { failed = true; next(); }
        });
      });
    }, Promise.resolve()).then(function () { if (!failed) done(); });
  });
  function done() {
    var note = document.createElement("p");
    note.className = "note";
    note.setAttribute("role", "status");
    note.textContent = form.dataset.textDone;
    form.appendChild(note);
  }
})();
