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
