// QISMET portal behaviour. No inline scripts anywhere: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  // Ask before leaving a form with unsaved changes (forms opt in with data-warn-unsaved).
  function watchUnsaved(form) {
    let dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });
  }

  // Buttons that need a second thought carry data-confirm="question".
  function confirmClicks(event) {
    const el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-warn-unsaved]").forEach(watchUnsaved);
    document.addEventListener("click", confirmClicks, true);
  });
})();
