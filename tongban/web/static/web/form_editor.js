// Form editor (申请表单编辑): shows only the settings of each field's kind and refreshes the preview as you type.
// Without this file every setting is shown and the “预览” button posts the form to render the preview.
(function () {
  "use strict";
  var form = document.querySelector("[data-form-editor]");
  if (!form) return;
  var preview = document.getElementById("fe-preview");
  var url = form.getAttribute("data-preview-url");

  function showSettings(field) {
    var kind = field.querySelector("[data-fe-kind]").value;
    field.querySelectorAll("[data-fe-setting]").forEach(function (el) {
      el.hidden = el.getAttribute("data-fe-setting").split(" ").indexOf(kind) < 0;
    });
  }
  form.querySelectorAll("[data-fe-field]").forEach(showSettings);

  var timer = null;
  var serial = 0;
  function refresh() {
    if (!window.fetch || !url) return;
    var mine = ++serial;
    var data = new FormData(form);
    data.set("op", "preview");
    fetch(url, {method: "POST", body: data, credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        if (mine !== serial) return;
        preview.innerHTML = html;
        if (window.tongbanForms) window.tongbanForms.enhance();
        form.setAttribute("data-preview-fresh", String(mine));
      })
      .catch(function () { /* the 预览 button still works */ });
  }
  function schedule(event) {
    if (preview.contains(event.target)) return; // typing into the preview itself changes nothing
    var field = event.target.closest("[data-fe-field]");
    if (field && event.target.matches("[data-fe-kind]")) showSettings(field);
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 350);
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
})();
