// The batch page: one scanned file (a multi-page PDF or TIFF, often large) goes up resumably (tus), so a line that
// drops at 90 % resumes from the server's offset; when it is in, the page opens the new batch. Several images in
// order, a browser without tus, or an endpoint that does not answer: the form posts as it is (multipart).
(function () {
  "use strict";
  var form = document.querySelector("form[data-tus-batch]");
  if (!form || !window.hromadaLoadTus) return;
  var status = document.createElement("p");
  status.setAttribute("aria-live", "polite");
  var bar = document.createElement("progress");
  bar.max = 100;
  var fallback = false;
  form.addEventListener("submit", function (event) {
    var input = form.querySelector("input[type=file]");
    var office = form.querySelector("[name=front_office]");
    if (fallback || input.files.length !== 1 || !office) return;  // the plain POST
    event.preventDefault();
    var file = input.files[0];
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    window.hromadaLoadTus(form).then(function (ready) {
      if (ready) { send(file, office, button); } else { fallback = true; form.submit(); }
    });
  });

  function send(file, office, button) {
    status.className = "";
    status.textContent = file.name + " ";
    status.appendChild(bar);
    form.appendChild(status);
    window.hromadaTus.send(file, {
      endpoint: form.dataset.tusEndpoint,
      metadata: { batch: office.value },
      resultHeader: "Upload-Batch",
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
      onProgress: function (share) { bar.value = Math.round(100 * share); },
      onDone: function (batch) {
        bar.value = 100;
        window.location.href = batch ? form.dataset.batchUrl.replace("/0/", "/" + batch + "/") : form.dataset.listUrl;
      },
      onError: function (detail, info) {
        button.disabled = false;
        if (!info.created && !info.code) { fallback = true; form.submit(); return; }  // tus is not there
        status.className = "error";
        status.setAttribute("role", "alert");
        status.textContent = file.name + ": " + (detail || form.dataset.textFailed);
      }
    });
  }
})();
