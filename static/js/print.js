// Hromada Intake: the receipt page prints itself when asked to ("Submit and print the receipt").
(function () {
  "use strict";
  var script = document.currentScript;
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
  if (script && script.hasAttribute("data-print-now")) {
    window.addEventListener("load", function () { window.print(); });
  }
})();
