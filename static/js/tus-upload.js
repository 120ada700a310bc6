// Resumable uploads (tus 1.0.0) on top of tus-js-client (static/js/vendor/tus.min.js, MIT licence beside it).
// One file per upload; a dropped line resumes from the last byte the server has. Used by the clerk's upload
// (static/js/upload.js, single large files) and the applicant's phone page (static/js/phone-upload.js).
(function () {
  "use strict";

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // options: endpoint, metadata {case|application|batch, document_type, filename, link, document}, retryDelays (ms),
  // resultHeader (what onDone is given: Upload-Document by default, Upload-Batch for a stack), onProgress(0..1),
  // onDone(documentId), onError(message, {status, code, created}): status 0 when no answer came; created when the
  // server had accepted the upload (so a failure is the line's or the file's, not a missing endpoint).
  function send(file, options) {
    if (!window.tus || !window.tus.isSupported) return false;
    var metadata = { filename: file.name };
    Object.keys(options.metadata || {}).forEach(function (key) {
      if (options.metadata[key]) metadata[key] = String(options.metadata[key]);
    });
    var upload = new window.tus.Upload(file, {
      endpoint: options.endpoint,
      chunkSize: 256 * 1024,
      // A dropped line is retried (HEAD for the server's offset, then the rest); the caller may wait less.
      retryDelays: options.retryDelays || [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000],
      removeFingerprintOnSuccess: true,
      metadata: metadata,
      // An unfinished upload is resumed only for the same file into the same case, type and document (the default
      // fingerprint knows only the file: the same photo chosen for another case would continue the first one).
      fingerprint: function (f) {
        return Promise.resolve(["hromada-tus", options.endpoint, metadata["case"] || "", metadata.application || "",
          metadata.document_type || "", metadata.document || "", f.name, f.type, f.size, f.lastModified].join("|"));
      },
      headers: { "X-CSRFToken": csrf() },
      onProgress: function (sent, total) { if (options.onProgress) options.onProgress(total ? sent / total : 0); },
      onSuccess: function (payload) {
        var last = payload && payload.lastResponse;
        if (options.onDone) options.onDone(last ? last.getHeader(options.resultHeader || "Upload-Document") || "" : "");
      },
      onError: function (error) {
        var detail = "", code = "", status = 0;
        var response = error && error.originalResponse;
        if (response) {
          status = response.getStatus();
          try { var body = JSON.parse(response.getBody()); detail = body.detail || ""; code = body.code || ""; } catch (e) { detail = ""; }
        }
        if (options.onError) options.onError(detail, { status: status, code: code, created: !!upload.url });
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
