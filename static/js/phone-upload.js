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
    var left = input.files.length;
    var failed = false;
    Array.prototype.forEach.call(input.files, function (file) {
      var li = document.createElement("li");
      var bar = document.createElement("progress");
      bar.max = 100;
      li.textContent = file.name + " ";
      li.appendChild(bar);
      status.appendChild(li);
      window.hromadaTus.send(file, {
        endpoint: form.dataset.tusEndpoint,
        metadata: { "case": form.dataset.tusCase, link: form.dataset.tusLink, document_type: type ? type.value : "" },
        onProgress: function (share) { bar.value = Math.round(100 * share); },
        onDone: function () { bar.value = 100; li.className = "ok"; if (--left === 0 && !failed) done(); },
        onError: function (detail) { failed = true; li.className = "error"; li.appendChild(document.createTextNode(" " + (detail || form.dataset.textFailed))); }
      });
    });
    input.value = "";
  });
  function done() {
    var note = document.createElement("p");
    note.className = "note";
    note.setAttribute("role", "status");
    note.textContent = form.dataset.textDone;
    form.appendChild(note);
  }
})();
