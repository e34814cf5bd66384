/* Evidence upload forms, enhanced: drop a file on the file field, and see a progress bar while a
   large file goes up. Without this script the forms are plain multipart posts and work as they
   are. No inline script, so it runs under a strict Content-Security-Policy. */
(function () {
  "use strict";

  function size(bytes) {
    var units = ["bytes", "KB", "MB", "GB"];
    var i = 0;
    while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i += 1; }
    return (i ? bytes.toFixed(1) : bytes) + " " + units[i];
  }

  function enhance(form) {
    var input = form.querySelector('input[type="file"]');
    if (!input) { return; }
    var zone = form.querySelector("[data-drop-zone]") || form;
    var bar = form.querySelector("[data-progress]");
    var text = form.querySelector("[data-progress-text]");
    var button = form.querySelector('button[type="submit"]');
    var max = parseInt(form.getAttribute("data-max-bytes") || "0", 10);

    function say(message) { if (text) { text.textContent = message; } }

    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "dragend", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      say(file ? file.name + " (" + size(file.size) + ")" : "");
    });

    form.addEventListener("submit", function (event) {
      var file = input.files && input.files[0];
      if (!file || !window.FormData || !window.XMLHttpRequest) { return; }
      event.preventDefault();
      if (max && file.size > max) {
        say(file.name + " is " + size(file.size) + ", over the limit of " + size(max) + ".");
        return;
      }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var percent = Math.floor((e.loaded * 100) / e.total);
        if (bar) { bar.value = percent; }
        say(percent + "% of " + size(e.total) + " sent");
      });
      xhr.addEventListener("load", function () {
        var location = null;
        try { location = JSON.parse(xhr.responseText).location; } catch (ignored) { location = null; }
        if (xhr.status === 200 && location) {
          window.location.assign(location);
          return;
        }
        if (button) { button.disabled = false; }
        say(xhr.status === 413 ? "The file is too large; nothing was stored."
          : "Refused (" + xhr.status + "); nothing was stored.");
      });
      xhr.addEventListener("error", function () {
        if (button) { button.disabled = false; }
        say("The upload was interrupted; nothing was stored. Try again.");
      });
      if (bar) { bar.hidden = false; bar.value = 0; }
      if (button) { button.disabled = true; }
      xhr.send(new FormData(form));
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-evidence-upload]"), enhance);
}());
