// Evidence uploads: drag and drop onto a drop zone, progressive enhancement of a plain
// <input type="file" multiple>. Without this script the form works exactly the same; with it,
// files dropped on the zone fill the input and the chosen names are listed (with a warning for
// any that the portal will refuse, so people can fix them before uploading). The server checks
// every file again whatever this script says. No inline script or style: the CSP forbids them.
(function () {
  "use strict";
  if (window.qismetEvidenceLoaded) { return; }  // the panel may be included more than once
  window.qismetEvidenceLoaded = true;

  var ACTIVE = ["border-primary", "bg-primary-subtle"];

  function formatSize(bytes) {
    if (bytes >= 1024 * 1024) { return (bytes / (1024 * 1024)).toFixed(1) + " MB"; }
    if (bytes >= 1024) { return Math.round(bytes / 1024) + " KB"; }
    return bytes + " bytes";
  }

  function extensionOf(name) {
    var dot = name.lastIndexOf(".");
    return dot > 0 ? name.slice(dot).toLowerCase() : "";
  }

  function problemWith(file, zone) {
    var accept = (zone.getAttribute("data-accept") || "").split(",");
    var maxBytes = parseInt(zone.getAttribute("data-max-bytes") || "0", 10);
    if (accept.indexOf(extensionOf(file.name)) === -1) { return "this type of file is not accepted"; }
    if (file.size === 0) { return "the file is empty"; }
    if (maxBytes && file.size > maxBytes) { return "larger than " + formatSize(maxBytes); }
    return "";
  }

  function listFiles(zone, input) {
    var list = zone.querySelector("[data-dropzone-list]");
    if (!list) { return; }
    list.textContent = "";
    var maxFiles = parseInt(zone.getAttribute("data-max-files") || "0", 10);
    var files = Array.prototype.slice.call(input.files || []);
    if (files.length) {
      var heading = document.createElement("li");
      heading.className = "fw-semibold";
      heading.textContent = files.length === 1 ? "1 file chosen:" : files.length + " files chosen:";
      list.appendChild(heading);
    }
    files.forEach(function (file) {
      var item = document.createElement("li");
      var problem = problemWith(file, zone);
      item.textContent = file.name + " (" + formatSize(file.size) + ")";
      if (problem) {
        var warning = document.createElement("span");
        warning.className = "text-danger fw-semibold";
        warning.textContent = " – will not be accepted: " + problem;
        item.appendChild(warning);
      }
      list.appendChild(item);
    });
    if (maxFiles && files.length > maxFiles) {
      var tooMany = document.createElement("li");
      tooMany.className = "text-danger fw-semibold";
      tooMany.textContent = "At most " + maxFiles + " files can be uploaded at once.";
      list.appendChild(tooMany);
    }
  }

  function enhance(zone) {
    var input = zone.querySelector("input[type=file]");
    if (!input) { return; }
    var prompt = zone.querySelector("[data-dropzone-prompt]");
    if (prompt) {
      prompt.classList.remove("d-none");
      if (prompt.id) {
        var described = (input.getAttribute("aria-describedby") || "").split(" ");
        if (described.indexOf(prompt.id) === -1) { described.push(prompt.id); }
        input.setAttribute("aria-describedby", described.join(" ").trim());
      }
    }
    var depth = 0;
    function on() { ACTIVE.forEach(function (c) { zone.classList.add(c); }); }
    function off() { depth = 0; ACTIVE.forEach(function (c) { zone.classList.remove(c); }); }

    zone.addEventListener("dragenter", function (event) {
      event.preventDefault();
      depth += 1;
      on();
    });
    zone.addEventListener("dragover", function (event) {
      event.preventDefault();
      if (event.dataTransfer) { event.dataTransfer.dropEffect = "copy"; }
    });
    zone.addEventListener("dragleave", function () {
      depth -= 1;
      if (depth <= 0) { off(); }
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      off();
      var dropped = event.dataTransfer && event.dataTransfer.files;
      if (!dropped || !dropped.length) { return; }
      if (!input.multiple && dropped.length > 1) {
        var single = new DataTransfer();
        single.items.add(dropped[0]);
        dropped = single.files;
      }
      input.files = dropped;
      input.dispatchEvent(new Event("change", { bubbles: true }));
      input.focus();
    });
    input.addEventListener("change", function () { listFiles(zone, input); });
    listFiles(zone, input);
  }

  // A file dropped next to a zone would otherwise make the browser leave the page to open it.
  function keepPage(event) {
    if (!event.target.closest || !event.target.closest("[data-evidence-dropzone]")) {
      event.preventDefault();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var zones = document.querySelectorAll("[data-evidence-dropzone]");
    if (!zones.length) { return; }
    zones.forEach(enhance);
    window.addEventListener("dragover", keepPage);
    window.addEventListener("drop", keepPage);
  });
})();
