// Hromada Intake: the one small script. Pages work without it; it only adds conveniences.
(function () {
  "use strict";
  // Ask before actions marked data-confirm (withdraw, reject...).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // GOV.UK's error summary: focus moves to it, so a screen reader reads it and the clerk sees it first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
  // The resumable-upload client (about 90 KB) is fetched only when a page starts an upload: the scripts named by
  // the element's data-tus-scripts, in order. Resolves true once window.hromadaTus is there, false if it cannot be.
  var loading = null;
  window.hromadaLoadTus = function (element) {
    if (window.hromadaTus && window.tus) return Promise.resolve(true);
    if (loading) return loading;
    var urls = ((element && element.getAttribute("data-tus-scripts")) || "").split(" ").filter(Boolean);
    loading = urls.reduce(function (chain, url) {
      return chain.then(function (ok) {
        if (!ok) return false;
        return new Promise(function (resolve) {
          var script = document.createElement("script");
          script.src = url;
          script.onload = function () { resolve(true); };
          script.onerror = function () { resolve(false); };
          document.head.appendChild(script);
        });
      });
    }, Promise.resolve(urls.length > 0)).then(function (ok) {
      if (!ok) loading = null;  // a failed fetch (the line) may succeed next time
      return ok && !!(window.hromadaTus && window.tus && window.tus.isSupported);
    });
    return loading;
  };
})();
