// Evidence uploads, as a progressive enhancement of a plain <input type="file" multiple> form.
// Without this script the form works the same (the server answers with the whole criterion
// page). With it:
// - a batch the portal would refuse (a type not accepted, an empty file, a file over the size
//   limit, too many files, more than the application's allowance left) is stopped before it is
//   sent, with the server's own wording for each file. The limits come from data- attributes
//   that the server writes from its settings, and the server still checks everything;
// - the panel that htmx gets back (refused or accepted) replaces the old one in place, so the
//   criterion page and anything typed on it stay as they are;
// - people with a mouse or trackpad may drop files on the zone (not offered on touch screens).
// No inline script or style: the CSP forbids them.
(function () {
  "use strict";
  if (window.qismetEvidenceLoaded) { return; }  // the panel may be included more than once
  window.qismetEvidenceLoaded = true;

  var ACTIVE = ["border-primary", "bg-primary-subtle"];
  var NBSP = "\u00a0";

  // The same sizes as Django's filesizeformat, so the messages match the server's.
  function formatSize(bytes) {
    var units = [["PB", Math.pow(1024, 5)], ["TB", Math.pow(1024, 4)], ["GB", Math.pow(1024, 3)],
      ["MB", 1024 * 1024], ["KB", 1024]];
    if (bytes < 1024) { return bytes + NBSP + (bytes === 1 ? "byte" : "bytes"); }
    for (var i = 0; i < units.length; i += 1) {
      if (bytes >= units[i][1] || units[i][0] === "KB") {
        return (Math.round((bytes / units[i][1]) * 10) / 10).toFixed(1) + NBSP + units[i][0];
      }
    }
    return bytes + NBSP + "bytes";
  }

  function quoted(name) { return "\u201c" + name + "\u201d"; }

  function listOfNames(names) {
    var q = names.map(quoted);
    return q.length === 1 ? q[0] : q.slice(0, -1).join(", ") + " and " + q[q.length - 1];
  }

  function limitsOf(zone) {
    function number(name) {
      var value = zone.getAttribute(name);
      return value === null || value === "" ? null : parseInt(value, 10);
    }
    return {
      accept: (zone.getAttribute("data-accept") || "").toLowerCase().split(","),
      summary: zone.getAttribute("data-accepted-summary") || "",
      dangerous: (zone.getAttribute("data-dangerous") || "").split(" "),
      maxBytes: number("data-max-bytes"),
      maxFiles: number("data-max-files"),
      quota: number("data-quota"),
      quotaLeft: number("data-quota-left")
    };
  }

  // The first rule a file breaks, in the server's order and words (accreditation/uploads.py).
  function problemWith(file, limits) {
    var name = file.name;
    var dot = name.lastIndexOf(".");
    var stem = dot === -1 ? "" : name.slice(0, dot);
    if (!stem) {
      return "it has no file extension, so its type cannot be checked. Add the right extension " +
        "(for example .pdf) and try again.";
    }
    var extension = name.slice(dot + 1).toLowerCase();
    if (limits.accept.indexOf("." + extension) === -1) {
      var what = limits.dangerous.indexOf(extension) !== -1 ? "Programs and scripts" : "Files of this type";
      return quoted("." + extension) + " files are not accepted. " + what +
        " cannot be used as evidence; accepted types are " + limits.summary + ".";
    }
    var hidden = stem.toLowerCase().split(".").slice(1).map(function (s) { return s.trim(); })
      .filter(function (s) { return s && limits.dangerous.indexOf(s) !== -1; });
    if (hidden.length) {
      var part = quoted("." + hidden[hidden.length - 1]);
      return "its name contains a hidden " + part + " part, a way harmful programs disguise " +
        "themselves. Rename it without " + part + " and try again.";
    }
    if (file.size === 0) {
      return "the file is empty (0 bytes). Check you chose the right file and try again.";
    }
    if (limits.maxBytes && file.size > limits.maxBytes) {
      return "it is " + formatSize(file.size) + ", and the largest file accepted is " +
        formatSize(limits.maxBytes) + ". Make it smaller (for example, save a PDF at a lower " +
        "image quality, or split it into parts) and try again.";
    }
    return "";
  }

  // The same rules in a few words, for the list of chosen files.
  function shortProblemWith(file, limits) {
    var problem = problemWith(file, limits);
    if (!problem) { return ""; }
    if (file.size === 0 && problem.indexOf("empty") !== -1) { return "the file is empty"; }
    if (problem.indexOf("it is ") === 0) { return "larger than " + formatSize(limits.maxBytes); }
    return "this type of file or name is not accepted";
  }

  // Every reason the server would refuse this batch, one sentence each, naming the files.
  function batchProblems(zone, files) {
    var limits = limitsOf(zone);
    var problems = [];
    var counted = limits.maxFiles ? files.slice(0, limits.maxFiles) : files;
    counted.forEach(function (file) {
      var problem = problemWith(file, limits);
      if (problem) { problems.push(quoted(file.name) + " was not uploaded: " + problem); }
    });
    if (limits.maxFiles && files.length > limits.maxFiles) {
      problems.push(quoted(files[limits.maxFiles].name) + " was not uploaded: at most " +
        limits.maxFiles + " files can be uploaded at once. Upload the rest separately.");
    }
    if (limits.quotaLeft !== null && limits.quota !== null) {
      var total = files.reduce(function (sum, file) { return sum + file.size; }, 0);
      if (total > limits.quotaLeft) {
        problems.push(listOfNames(files.map(function (f) { return f.name; })) + " come to " +
          formatSize(total) + ", and this application has " + formatSize(limits.quotaLeft) +
          " of its " + formatSize(limits.quota) + " evidence allowance left. Upload smaller " +
          "files, or contact QISMET if you need more space.");
      }
    }
    return problems;
  }

  function listFiles(zone, input) {
    var list = zone.querySelector("[data-dropzone-list]");
    if (!list) { return; }
    list.textContent = "";
    var limits = limitsOf(zone);
    var files = Array.prototype.slice.call(input.files || []);
    if (files.length) {
      var heading = document.createElement("li");
      heading.className = "fw-semibold";
      heading.textContent = files.length === 1 ? "1 file chosen:" : files.length + " files chosen:";
      list.appendChild(heading);
    }
    files.forEach(function (file) {
      var item = document.createElement("li");
      item.className = "text-break";
      var problem = shortProblemWith(file, limits);
      item.textContent = file.name + " (" + formatSize(file.size) + ")";
      if (problem) {
        var warning = document.createElement("span");
        warning.className = "text-danger-emphasis fw-semibold";
        warning.textContent = " \u2013 will not be accepted: " + problem;
        item.appendChild(warning);
      }
      list.appendChild(item);
    });
    if (limits.maxFiles && files.length > limits.maxFiles) {
      var tooMany = document.createElement("li");
      tooMany.className = "text-danger-emphasis fw-semibold";
      tooMany.textContent = "At most " + limits.maxFiles + " files can be uploaded at once.";
      list.appendChild(tooMany);
    }
  }

  // Where refusals are shown: the slot at the top of the evidence panel, else one made just
  // above the drop zone (the page of one file).
  function refusalSlot(zone) {
    var panel = zone.closest(".evidence-panel");
    var slot = panel && panel.querySelector("[data-evidence-refusal]");
    if (!slot) {
      slot = zone.parentNode.querySelector("[data-evidence-refusal]");
      if (!slot) {
        slot = document.createElement("div");
        slot.setAttribute("data-evidence-refusal", "");
        zone.parentNode.insertBefore(slot, zone);
      }
    }
    return slot;
  }

  function describe(input, id, on) {
    var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (x) {
      return x && x !== id;
    });
    if (on) { ids.push(id); }
    input.setAttribute("aria-describedby", ids.join(" "));
  }

  function showRefusal(zone, input, heading, lead, problems) {
    var slot = refusalSlot(zone);
    slot.textContent = "";
    var id = (input.id || "evidence-files") + "-refusal";
    var box = document.createElement("div");
    box.className = "alert alert-danger evidence-refusal";
    box.setAttribute("role", "alert");
    box.setAttribute("tabindex", "-1");
    box.id = id;
    var title = document.createElement("h3");
    title.className = "h5";
    title.id = id + "-heading";
    title.textContent = heading;
    box.setAttribute("aria-labelledby", title.id);
    var intro = document.createElement("p");
    intro.className = "mb-2";
    intro.textContent = lead;
    var list = document.createElement("ul");
    list.className = "mb-0";
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + input.id;
      link.textContent = problem;
      item.appendChild(link);
      list.appendChild(item);
    });
    box.appendChild(title);
    box.appendChild(intro);
    box.appendChild(list);
    slot.appendChild(box);
    input.classList.add("is-invalid");
    input.setAttribute("aria-invalid", "true");
    describe(input, id, true);
    box.focus();
  }

  function clearRefusal(zone, input) {
    var slot = refusalSlot(zone);
    slot.textContent = "";
    input.classList.remove("is-invalid");
    input.removeAttribute("aria-invalid");
    describe(input, (input.id || "evidence-files") + "-refusal", false);
  }

  // Runs before htmx (capture phase on the document): a batch that would be refused is not sent.
  function checkBeforeSending(event) {
    var form = event.target;
    var zone = form.querySelector && form.querySelector("[data-evidence-dropzone]");
    if (!zone) { return; }
    var input = zone.querySelector("input[type=file]");
    var files = Array.prototype.slice.call(input.files || []);
    var problems = batchProblems(zone, files);
    if (!problems.length) {
      if (files.length) { clearRefusal(zone, input); }
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    var lead = "Nothing was sent, and the evidence already here is unchanged. " +
      (problems.length === 1 ? "Fix this problem" : "Fix these " + problems.length + " problems") +
      " and choose the files again:";
    showRefusal(zone, input, "Nothing was uploaded", lead, problems);
  }

  function enhance(zone) {
    if (zone.hasAttribute("data-enhanced")) { return; }
    zone.setAttribute("data-enhanced", "");
    var input = zone.querySelector("input[type=file]");
    if (!input) { return; }
    input.addEventListener("change", function () { listFiles(zone, input); });
    listFiles(zone, input);
    // Dragging files needs a mouse or trackpad: touch screens get the plain "choose" button.
    if (!window.matchMedia || !window.matchMedia("(pointer: fine)").matches) { return; }
    var prompt = zone.querySelector("[data-dropzone-prompt]");
    if (prompt) {
      prompt.classList.remove("d-none");
      if (prompt.id) { describe(input, prompt.id, true); }
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
  }

  function enhanceWithin(root) {
    if (!root || !root.querySelectorAll) { return; }
    if (root.matches && root.matches("[data-evidence-dropzone]")) { enhance(root); }
    root.querySelectorAll("[data-evidence-dropzone]").forEach(enhance);
  }

  // A file dropped next to a zone would otherwise make the browser leave the page to open it.
  function keepPage(event) {
    if (!document.querySelector("[data-evidence-dropzone]")) { return; }
    if (!event.target.closest || !event.target.closest("[data-evidence-dropzone]")) {
      event.preventDefault();
    }
  }

  // htmx leaves 4xx answers unswapped by default; a refused upload (422) is the panel to show.
  var panelSwapped = false;
  function swapRefusedPanel(event) {
    var target = event.detail.target;
    if (!target || !target.classList.contains("evidence-panel")) { return; }
    panelSwapped = true;
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  }

  // After the panel is replaced, take keyboard and screen reader users to what happened.
  function focusOutcome() {
    if (!panelSwapped) { return; }
    panelSwapped = false;
    var outcome = document.querySelector(
      ".evidence-panel .evidence-refusal, .evidence-panel [data-evidence-notice]");
    if (outcome) { outcome.focus(); }
  }

  // A failed request (a proxy's size limit, a lost connection): say so rather than do nothing.
  function requestFailed(event) {
    var form = event.detail.elt;
    var zone = form && form.querySelector && form.querySelector("[data-evidence-dropzone]");
    if (!zone) { return; }
    var status = event.detail.xhr && event.detail.xhr.status;
    if (status === 422) { return; }
    var input = zone.querySelector("input[type=file]");
    showRefusal(zone, input, "The upload did not go through",
      "Nothing was uploaded, and the evidence already here is unchanged.",
      [status ? "The portal could not take the files (error " + status + "). Try again, or " +
        "upload fewer files at a time." : "The connection was lost before the files were sent. " +
        "Check your connection and try again."]);
  }

  document.addEventListener("submit", checkBeforeSending, true);
  document.addEventListener("htmx:beforeSwap", swapRefusedPanel);
  document.addEventListener("htmx:afterSettle", focusOutcome);
  document.addEventListener("htmx:responseError", requestFailed);
  document.addEventListener("htmx:sendError", requestFailed);
  document.addEventListener("htmx:load", function (event) { enhanceWithin(event.detail.elt); });
  document.addEventListener("DOMContentLoaded", function () {
    enhanceWithin(document.body);
    window.addEventListener("dragover", keepPage);
    window.addEventListener("drop", keepPage);
  });
})();
