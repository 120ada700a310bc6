// Resumable uploads (tus 1.0.0) on top of tus-js-client (static/js/vendor/tus.min.js, MIT licence beside it).
// One file per upload; a dropped line resumes from the last byte the server has. Used by the clerk's upload
// (static/js/upload.js, single large files) and the applicant's phone page (static/js/phone-upload.js).
(function () {
  "use strict";

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // options: endpoint, metadata {case|application, document_type, filename, link}, onProgress(0..1),
  // onDone(), onError(message)
  function send(file, options) {
    if (!window.tus || !window.tus.isSupported) return false;
    var metadata = { filename: file.name };
    Object.keys(options.metadata || {}).forEach(function (key) {
      if (options.metadata[key]) metadata[key] = String(options.metadata[key]);
    });
    var upload = new window.tus.Upload(file, {
      endpoint: options.endpoint,
      chunkSize: 256 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000],
      removeFingerprintOnSuccess: true,
      metadata: metadata,
      headers: { "X-CSRFToken": csrf() },
      onProgress: function (sent, total) { if (options.onProgress) options.onProgress(total ? sent / total : 0); },
      onSuccess: function () { if (options.onDone) options.onDone(); },
      onError: function (error) {
        var detail = "";
        try { detail = JSON.parse(error.originalResponse.getBody()).detail || ""; } catch (e) { detail = ""; }
        if (options.onError) options.onError(detail);
      }
    });
    // Resume an earlier attempt at the same file (kept in localStorage by its fingerprint) instead of restarting.
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    });
    return true;
  }

  window.hromadaTus = { send: send };
})();
