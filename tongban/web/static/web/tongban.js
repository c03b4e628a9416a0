// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // 内容朗读 (read aloud) for 长辈模式, where the browser can speak Chinese.
  if (!("speechSynthesis" in window) || !document.documentElement.classList.contains("care")) return;
  var main = document.getElementById("main");
  var heading = main && main.querySelector("h1, h2");
  if (!heading) return;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "btn ghost read-aloud";
  button.textContent = "朗读本页";
  button.addEventListener("click", function () {
    window.speechSynthesis.cancel();
    var utterance = new SpeechSynthesisUtterance(main.innerText.slice(0, 4000));
    utterance.lang = "zh-CN";
    window.speechSynthesis.speak(utterance);
  });
  heading.insertAdjacentElement("afterend", button);
})();

// 扫码登录 on the PC: ask every 2 s whether the phone confirmed; then continue (the button does the same without JS).
(function () {
  "use strict";
  var box = document.querySelector("[data-qr-status-url]");
  if (!box || !window.fetch) return;
  var state = box.querySelector(".qr-state");
  var form = document.getElementById("qr-continue");
  var every = parseInt(box.getAttribute("data-qr-poll"), 10) || 2000;
  var texts = {
    pending: "等待扫码…",
    scanned: "已扫码，请在手机上点“确认登录”。",
    confirmed: "已确认，正在登录…",
    denied: "手机上已拒绝登录。如需登录，请刷新二维码重新扫码。",
    expired: "二维码已过期，请点“刷新二维码”。"
  };
  var timer = window.setInterval(function () {
    fetch(box.getAttribute("data-qr-status-url"), {credentials: "same-origin", cache: "no-store"})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (state && texts[data.state]) state.textContent = texts[data.state];
        if (data.state === "confirmed") { window.clearInterval(timer); form.submit(); }
        if (data.state === "denied" || data.state === "expired" || data.state === "consumed") window.clearInterval(timer);
      })
      .catch(function () { /* keep trying; the button still works */ });
  }, every);
})();
