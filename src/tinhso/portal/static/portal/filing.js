/* Upload progress for the filing forms (forms marked data-upload-progress).
   Without script the form posts normally; with it, the same multipart post goes through XMLHttpRequest so
   the <progress> element can follow the upload, then the browser shows the page the server answered. */
(function () {
  "use strict";

  // getAttribute, not form.action: a control named "action" would shadow the property.
  function actionOf(form) {
    return new URL(form.getAttribute("action") || window.location.href, window.location.href).href;
  }

  function showAnswer(xhr, form) {
    var action = actionOf(form);
    var saved = xhr.getResponseHeader("X-Location");
    if (xhr.status === 204 && saved) {
      // Saved: go where the server says, as an ordinary navigation.
      window.location.assign(new URL(saved, window.location.href).href);
      return;
    }
    // The server answered the form again (with errors): show that page in place of this one.
    var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
    var main = doc.getElementById("main");
    var current = document.getElementById("main");
    if (!main || !current) {
      window.location.assign(action);
      return;
    }
    current.innerHTML = main.innerHTML;
    document.title = doc.title;
    bind(current);
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  function submitWithProgress(event) {
    var form = event.currentTarget;
    if (!window.FormData || !window.XMLHttpRequest) { return; }
    event.preventDefault();
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) {
      data.append(event.submitter.name, event.submitter.value);
    }
    var box = form.querySelector(".upload-progress");
    var bar = box && box.querySelector("progress");
    var text = box && box.querySelector(".upload-progress-text");
    var buttons = form.querySelectorAll("button[type=submit]");
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    if (box) { box.hidden = false; }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", actionOf(form));
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.setRequestHeader("X-Upload-Progress", "1");
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable || !bar) { return; }
      var percent = Math.round((e.loaded / e.total) * 100);
      bar.value = percent;
      if (text) { text.textContent = percent + "%"; }
    });
    xhr.addEventListener("load", function () { showAnswer(xhr, form); });
    xhr.addEventListener("error", function () {
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
      if (text) { text.textContent = text.getAttribute("data-error-text") || "Không gửi được tệp; vui lòng kiểm tra kết nối và thử lại."; }
    });
    xhr.send(data);
  }

  function bind(root) {
    Array.prototype.forEach.call(root.querySelectorAll("form[data-upload-progress]"), function (form) {
      form.addEventListener("submit", submitWithProgress);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { bind(document); });
})();
