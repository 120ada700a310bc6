// Front office: uploads with per-file progress, drag-and-drop and the phone camera; a print button.
// Without this script every form still works: files go up with a plain POST and the page reloads.
(function () {
  "use strict";

  function token(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function row(list, file, text) {
    var li = document.createElement("li");
    var name = document.createElement("span");
    name.className = "fo-name";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", file.name);
    var state = document.createElement("span");
    state.className = "fo-state";
    state.textContent = text;
    li.appendChild(name);
    li.appendChild(bar);
    li.appendChild(state);
    list.appendChild(li);
    return { li: li, bar: bar, state: state };
  }

  function refreshPackage() {
    document.body.dispatchEvent(new CustomEvent("package-changed", { bubbles: true }));
  }

  // All files of one drop or choice go up in one request (one document, its pages in order); each file's bar
  // follows its own bytes within the request, since a multipart body carries the files one after another.
  function upload(form, files) {
    if (!files || !files.length) return;
    var list = form.querySelector("[data-progress]");
    var data = new FormData();
    var type = form.querySelector("[name=document_type]");
    if (type) data.append("document_type", type.value);
    var rows = [];
    var total = 0;
    Array.prototype.forEach.call(files, function (file) {
      data.append("file", file, file.name);
      var r = row(list, file, form.dataset.textUploading);
      r.start = total;
      r.size = Math.max(file.size, 1);
      total += r.size;
      rows.push(r);
    });
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", token(form));
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) return;
      var sent = (event.loaded / event.total) * total;
      rows.forEach(function (r) {
        r.bar.value = Math.round(100 * Math.max(0, Math.min(1, (sent - r.start) / r.size)));
      });
    });
    function finish(ok, detail) {
      rows.forEach(function (r) {
        if (ok) r.bar.value = 100;
        r.state.textContent = ok ? form.dataset.textDone : form.dataset.textRefused;
        r.li.className = ok ? "ok" : "bad";
      });
      if (!ok) {
        var message = document.createElement("li");
        message.className = "bad fo-error";
        message.setAttribute("role", "alert");
        message.textContent = detail || form.dataset.textFailed;
        list.appendChild(message);
      } else {
        window.setTimeout(function () {
          rows.forEach(function (r) { r.li.remove(); });
        }, 5000);
      }
      refreshPackage();
    }
    xhr.addEventListener("load", function () {
      var detail = "";
      try { detail = JSON.parse(xhr.responseText).detail || ""; } catch (e) { detail = ""; }
      finish(xhr.status === 201, detail);
    });
    xhr.addEventListener("error", function () { finish(false, ""); });
    xhr.send(data);
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
    if (!drop) return;
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

  document.querySelectorAll("form[data-upload]").forEach(enhance);
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();

// --- Resumable uploads (issue 14; kept apart from the multipart code above) ---------------------------------------
// A single file larger than 1 MB, on a form that names its case (data-tus-case) and with tus-js-client loaded,
// goes up with tus: a dropped line resumes from the server's offset instead of starting again. Everything else
// keeps the multipart path above. The finished upload is one document of the case, exactly as a multipart one.
(function () {
  "use strict";
  if (!window.hromadaTus || !window.tus || !window.tus.isSupported) return;
  document.querySelectorAll("form[data-upload][data-tus-case]").forEach(function (form) {
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      input.addEventListener("change", function (event) {
        if (input.files.length !== 1 || input.files[0].size <= 1024 * 1024) return;
        event.stopImmediatePropagation();
        var file = input.files[0];
        var type = form.querySelector("[name=document_type]");
        var list = form.querySelector("[data-progress]");
        var li = document.createElement("li");
        var bar = document.createElement("progress");
        bar.max = 100;
        li.textContent = file.name + " ";
        li.appendChild(bar);
        if (list) list.appendChild(li);
        window.hromadaTus.send(file, {
          endpoint: "/api/v1/uploads/",
          metadata: { "case": form.dataset.tusCase, document_type: type ? type.value : "" },
          onProgress: function (share) { bar.value = Math.round(100 * share); },
          onDone: function () {
            li.className = "ok";
            document.body.dispatchEvent(new CustomEvent("package-changed", { bubbles: true }));
          },
          onError: function (detail) {
            li.className = "bad";
            li.appendChild(document.createTextNode(" " + (detail || form.dataset.textFailed || "")));
          }
        });
        input.value = "";
      }, true);
    });
  });
})();
