// Front office: uploads with per-file progress and outcome, drag-and-drop and the phone camera, made for a bad line:
// a failed send says so (not "refused") with a Retry button, one refused file never sinks the good ones, leaving
// mid-upload asks first, a notice says when the server cannot be reached, and photos larger than an A4 page at
// 300 dpi are reduced in the browser before they are sent (sensible pages go as they are).
// Files go up resumably (tus, static/js/tus-upload.js) where the form names its case (data-tus-case) and the browser
// can: a dropped line resumes from the last byte the server has, the first file makes the document and the next
// ones join it. Where tus is missing or its endpoint does not answer, the plain multipart POST below is used.
// Without this script every form still works: files go up with a plain POST and the page reloads.
(function () {
  "use strict";

  var texts = (document.getElementById("fo-texts") || { dataset: {} }).dataset;
  function t(name, fallback) { return texts[name] || fallback; }

  // A4 at 300 dpi, either way round: anything larger is more than a page needs.
  var BOX_LONG = 3508, BOX_SHORT = 2480;
  var REDUCIBLE = /^image\/(jpeg|png|webp)$/;
  var inFlight = 0;

  function token(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function button(label, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "small";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function row(list, file) {
    var li = document.createElement("li");
    var name = document.createElement("span");
    name.className = "fo-name";
    name.textContent = file.name;
    name.title = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", file.name);
    var state = document.createElement("span");
    state.className = "fo-state";
    state.textContent = t("preparing", "…");
    var tools = document.createElement("span");
    tools.className = "fo-tools";
    li.appendChild(name);
    li.appendChild(bar);
    li.appendChild(state);
    li.appendChild(tools);
    list.appendChild(li);
    return { li: li, bar: bar, state: state, tools: tools, file: file };
  }

  function setState(r, kind, text) {
    r.li.className = kind;
    r.state.textContent = text;
    r.tools.textContent = "";
    if (kind === "ok") { r.bar.value = 100; }
  }

  function refreshPackage() {
    document.body.dispatchEvent(new CustomEvent("package-changed", { bubbles: true }));
  }

  // --- Photos larger than the A4 box are drawn smaller on a canvas (orientation from EXIF) and sent as JPEG. ---
  function reduced(file) {
    if (!REDUCIBLE.test(file.type) || !window.createImageBitmap) { return Promise.resolve(file); }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (image) {
      var long = Math.max(image.width, image.height), short = Math.min(image.width, image.height);
      var scale = Math.min(BOX_LONG / long, BOX_SHORT / short);
      if (scale >= 1) { image.close(); return file; }  // already a sensible page: the original goes
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(image.width * scale);
      canvas.height = Math.round(image.height * scale);
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff";  // a transparent PNG becomes a white page, as on paper
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      image.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]+$/, "") + ".jpg";
          var smaller = new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified });
          smaller.reducedFrom = file.size;
          resolve(smaller);
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });  // the browser cannot read it: the server will say what it is
  }

  function kb(bytes) { return Math.max(1, Math.round(bytes / 1024)) + " KB"; }

  // One request for the rows given (one document, its pages in order). Resolves with the outcome.
  function send(form, rows) {
    var data = new FormData();
    var type = form.querySelector("[name=document_type]");
    if (type) { data.append("document_type", type.value); }
    var total = 0;
    rows.forEach(function (r) {
      data.append("file", r.file, r.file.name);
      r.start = total;
      r.size = Math.max(r.file.size, 1);
      total += r.size;
      setState(r, "", t("uploading", "…"));
      r.bar.value = 0;
    });
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", token(form));
      xhr.upload.addEventListener("progress", function (event) {
        if (!event.lengthComputable) { return; }
        var sent = (event.loaded / event.total) * total;
        rows.forEach(function (r) {
          r.bar.value = Math.round(100 * Math.max(0, Math.min(1, (sent - r.start) / r.size)));
        });
      });
      inFlight += 1;
      function done(outcome) { inFlight -= 1; resolve(outcome); }
      xhr.addEventListener("load", function () {
        var detail = "";
        try { detail = JSON.parse(xhr.responseText).detail || ""; } catch (e) { detail = ""; }
        if (xhr.status === 201) { done({ ok: true }); }
        else if (xhr.status >= 400 && xhr.status < 500 && xhr.status !== 408 && xhr.status !== 429) {
          done({ ok: false, refused: true, detail: detail });
        } else { done({ ok: false, refused: false }); }  // the server or the line failed, not the file
      });
      xhr.addEventListener("error", function () { done({ ok: false, refused: false }); });
      xhr.addEventListener("timeout", function () { done({ ok: false, refused: false }); });
      xhr.send(data);
    });
  }

  function uploaded(rows) {
    rows.forEach(function (r) {
      setState(r, "ok", t("done", "✓") + (r.file.reducedFrom ? " · " + kb(r.file.reducedFrom) + " → " + kb(r.file.size) : ""));
    });
    window.setTimeout(function () { rows.forEach(function (r) { r.li.remove(); }); }, 5000);
    refreshPackage();
  }

  function notSent(form, rows) {
    rows.forEach(function (r) {
      setState(r, "bad", t("notSent", "not sent: no connection"));
      r.tools.appendChild(button(t("retry", "Retry"), function () { attempt(form, rows); }));
      r.tools.appendChild(button("✕", function () { r.li.remove(); }));
      r.tools.lastChild.setAttribute("aria-label", t("dismiss", "Dismiss"));
    });
  }

  function refused(r, detail) {
    setState(r, "bad", t("refused", "refused") + (detail ? ": " + detail : ""));
    r.state.setAttribute("role", "alert");
    var dismiss = button("✕", function () { r.li.remove(); });
    dismiss.setAttribute("aria-label", t("dismiss", "Dismiss"));
    r.tools.appendChild(dismiss);
  }

  // --- Resumable: one file per tus upload, in order; the first one's document takes the others' pages. ---
  // The tus client is fetched on the first upload (window.hromadaLoadTus, static/js/app.js); false: multipart.
  function tusReady(form) {
    if (!form.dataset.tusCase || !form.dataset.tusEndpoint || !window.hromadaLoadTus) { return Promise.resolve(false); }
    return window.hromadaLoadTus(form);
  }

  function sendTus(form, r, documentId) {
    var type = form.querySelector("[name=document_type]");
    setState(r, "", t("uploading", "…"));
    r.bar.value = 0;
    return new Promise(function (resolve) {
      inFlight += 1;
      function done(outcome) { inFlight -= 1; resolve(outcome); }
      var started = window.hromadaTus.send(r.file, {
        endpoint: form.dataset.tusEndpoint,
        metadata: { "case": form.dataset.tusCase, document_type: type ? type.value : "", document: documentId || "" },
        // Short drops resume on their own; a longer outage says "not sent" and Retry resumes from the server's offset.
        retryDelays: [0, 1000, 3000, 5000],
        onProgress: function (share) { r.bar.value = Math.round(100 * share); },
        onDone: function (document) { done({ ok: true, document: document }); },
        onError: function (detail, info) {
          // Our endpoint answers refusals with a code; no upload made and no code means tus is not there.
          if (!info.created && !info.code) { done({ ok: false, fallback: true }); return; }
          var refusal = info.status >= 400 && info.status < 500 && info.status !== 408 && info.status !== 429;
          done({ ok: false, refused: refusal, detail: detail });
        }
      });
      if (!started) { done({ ok: false, fallback: true }); }
    });
  }

  function attemptTus(form, rows) {
    var documentId = "";
    return rows.reduce(function (chain, r) {
      return chain.then(function () {
        return sendTus(form, r, documentId).then(function (outcome) {
          if (outcome.ok) { documentId = documentId || outcome.document; uploaded([r]); return; }
          if (outcome.refused) { refused(r, outcome.detail); refreshPackage(); return; }
          if (!outcome.fallback) { notSent(form, [r]); return; }
          return send(form, [r]).then(function (single) {
            if (single.ok) { uploaded([r]); } else if (single.refused) { refused(r, single.detail); } else { notSent(form, [r]); }
          });
        });
      });
    }, Promise.resolve());
  }

  // Send the rows together; if the server refuses the set, send each alone, so one bad file never sinks the rest.
  function attempt(form, rows) {
    inFlight += 1;  // fetching the tus client counts as uploading
    return tusReady(form).then(function (ready) {
      inFlight -= 1;
      return ready ? attemptTus(form, rows) : attemptMultipart(form, rows);
    });
  }

  function attemptMultipart(form, rows) {
    return send(form, rows).then(function (outcome) {
      if (outcome.ok) { uploaded(rows); return; }
      if (!outcome.refused) { notSent(form, rows); return; }
      if (rows.length === 1) { refused(rows[0], outcome.detail); refreshPackage(); return; }
      return rows.reduce(function (chain, r) {
        return chain.then(function () {
          return send(form, [r]).then(function (single) {
            if (single.ok) { uploaded([r]); } else if (single.refused) { refused(r, single.detail); } else { notSent(form, [r]); }
          });
        });
      }, Promise.resolve());
    });
  }

  function upload(form, files) {
    if (!files || !files.length) { return; }
    var list = form.querySelector("[data-progress]");
    var chosen = Array.prototype.slice.call(files);
    var rows = chosen.map(function (file) { return row(list, file); });
    inFlight += 1;  // preparing counts as uploading: leaving now would lose the choice
    Promise.all(chosen.map(reduced)).then(function (ready) {
      ready.forEach(function (file, i) { rows[i].file = file; });
      inFlight -= 1;
      attempt(form, rows);
    });
  }

  function enhance(form) {
    form.classList.add("js-upload");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      form.querySelectorAll("input[type=file]").forEach(function (input) {
        upload(form, input.files);
        input.value = "";
      });
    });
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      input.addEventListener("change", function () {
        upload(form, input.files);
        input.value = "";
      });
    });
    var drop = form.querySelector("[data-drop]");
    if (!drop) { return; }
    ["dragenter", "dragover"].forEach(function (name) {
      drop.addEventListener(name, function (event) {
        event.preventDefault();
        drop.classList.add("over");
      });
    });
    ["dragleave", "dragend", "drop"].forEach(function (name) {
      drop.addEventListener(name, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (event) {
      event.preventDefault();
      upload(form, event.dataTransfer.files);
    });
  }

  // Leaving mid-upload loses what is on its way: the browser asks first.
  window.addEventListener("beforeunload", function (event) {
    if (inFlight > 0) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // While the package's polling cannot reach the server, say so; the notice goes when an answer comes back.
  var notice = null;
  function offline(on) {
    if (on && !notice) {
      notice = document.createElement("p");
      notice.className = "fo-offline";
      notice.setAttribute("role", "status");
      notice.textContent = t("offline", "No connection to the server.");
      document.querySelector("main").prepend(notice);
    } else if (!on && notice) {
      notice.remove();
      notice = null;
    }
  }
  document.body.addEventListener("htmx:sendError", function () { offline(true); });
  document.body.addEventListener("htmx:timeout", function () { offline(true); });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail && event.detail.xhr && event.detail.xhr.status > 0) { offline(false); }
  });
  window.addEventListener("offline", function () { offline(true); });
  window.addEventListener("online", function () { offline(false); refreshPackage(); });

  document.querySelectorAll("form[data-upload]").forEach(enhance);
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  window.hromadaUpload = { reduced: reduced };  // for the browser tests
})();
