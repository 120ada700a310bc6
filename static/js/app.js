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
})();
