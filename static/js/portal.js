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

  // A form whose fields autosave (htmx) and which is also saved by its own button, marked
  // data-autosave. Each save carries the answer's revision; the server refuses a stale one.
  // - Save pressed while an autosave is on its way: wait for it (and the new revision it brings)
  //   before sending the form, so one person's saves never conflict with each other.
  // - Once the form is being sent, or the server has said autosave must stop (someone else saved
  //   meanwhile, or the answer is locked), no further autosave is sent. What was typed stays.
  function guardAutosave(form) {
    let stopped = false;
    form.addEventListener("autosave-stopped", function () { stopped = true; });
    form.addEventListener("htmx:beforeRequest", function (event) {
      if (stopped) { event.preventDefault(); }
    });
    form.addEventListener("submit", function (event) {
      const pending = form.querySelector(".htmx-request");
      if (pending) {
        event.preventDefault();
        const submitter = event.submitter;
        pending.addEventListener("htmx:afterRequest", function () {
          form.requestSubmit(submitter);
        }, { once: true });
        return;
      }
      stopped = true;
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

  // A refused form's error summary takes focus, so screen readers announce it and keyboard users
  // start from it; each link focuses its field and scrolls its label or legend into view.
  function focusErrorSummary() {
    const summary = document.querySelector("[data-error-summary]");
    if (!summary) { return; }
    summary.focus();
    summary.addEventListener("click", function (event) {
      const link = event.target.closest("a[href^='#']");
      const field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field) { return; }
      event.preventDefault();
      const legend = field.closest("fieldset") && field.closest("fieldset").querySelector("legend");
      const label = document.querySelector("label[for='" + field.id + "']");
      const caption = (field.type === "radio" || field.type === "checkbox") && legend ? legend : (label || legend);
      field.focus({ preventScroll: true });
      (caption || field).scrollIntoView({ block: "start" });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary();
    document.querySelectorAll("form[data-warn-unsaved]").forEach(watchUnsaved);
    document.querySelectorAll("form[data-autosave]").forEach(guardAutosave);
    document.addEventListener("click", confirmClicks, true);
  });
})();
