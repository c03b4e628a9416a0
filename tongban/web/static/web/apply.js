// Application pages: progressive enhancement only — every page works without this file.
// * Autosave: the draft is saved a few seconds after the last change (the same POST as “保存草稿”, without files).
// * Upload progress: a chosen file is sent at once with a progress bar; the page then reloads with the new list.
(function () {
  "use strict";
  var form = document.getElementById("application");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var url = form.getAttribute("data-autosave-url") || form.getAttribute("action") || window.location.href;
  var status = form.querySelector("[data-autosave-status]");
  var savedAt = document.querySelector("[data-saved-at]");
  var AUTOSAVE_MS = 4000;
  var timer = null;
  var dirty = false;
  var busy = false;

  function say(text) { if (status) status.textContent = text; }

  function fieldsOnly(action) {
    var data = new FormData(form);
    var drop = [];
    data.forEach(function (value, key) { if (value instanceof File || key === "action") drop.push(key); });
    drop.forEach(function (key) { data.delete(key); });
    data.append("action", action);
    return data;
  }

  function send(data, onProgress, done) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.responseType = "json";
    if (onProgress && xhr.upload) xhr.upload.addEventListener("progress", onProgress);
    xhr.onload = function () { done(xhr.status, xhr.response || {}); };
    xhr.onerror = function () { done(0, {}); };
    xhr.send(data);
  }

  function autosave() {
    timer = null;
    if (!dirty || busy || form.hasAttribute("data-blocked") || !form.hasAttribute("data-autosave-url")) return;
    busy = true;
    dirty = false;
    say("正在保存…");
    send(fieldsOnly("autosave"), null, function (code, body) {
      busy = false;
      if (code === 200) {
        say("已自动保存 " + (body.saved_at || ""));
        if (savedAt && body.saved_at) savedAt.textContent = body.saved_at;
      } else if (code === 422) {
        say("有内容填写不正确，修改后将自动保存；也可点“保存草稿”查看提示。");
      } else {
        dirty = true;
        say("自动保存失败，请检查网络；也可点“保存草稿”。");
      }
    });
  }

  function changed(event) {
    if (event.target && event.target.type === "file") return;
    dirty = true;
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(autosave, AUTOSAVE_MS);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  // Upload as soon as a file is chosen, with progress; the server saves the typed values too.
  form.querySelectorAll("[data-upload] input[type=file]").forEach(function (input) {
    input.addEventListener("change", function () {
      if (!input.files || !input.files.length) return;
      var box = input.closest("[data-upload]");
      var bar = box && box.querySelector(".upload-progress");
      var data = fieldsOnly("upload");
      for (var i = 0; i < input.files.length; i++) data.append(input.name, input.files[i]);
      if (bar) { bar.hidden = false; bar.value = 0; }
      say("正在上传…");
      busy = true;
      send(data, function (e) { if (bar && e.lengthComputable) bar.value = Math.round(e.loaded * 100 / e.total); },
        function (code, body) {
          busy = false;
          if (code === 200) { say("上传完成"); window.location.hash = "materials"; window.location.reload(); return; }
          if (bar) bar.hidden = true;
          var errors = (body && body.errors) || [];
          say(errors.length ? errors.join(" ") : "上传失败，请重试或点“上传”按钮。");
        });
    });
  });

  // A second click on 提交申请 while the first is on its way does nothing (the server would answer the same case).
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("data-submit")) {
      if (form.getAttribute("data-submitting")) { event.preventDefault(); return; }
      form.setAttribute("data-submitting", "1");
      say("正在提交…");
    }
  });
})();
