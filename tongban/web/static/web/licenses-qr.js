/* 亮证: fetch a fresh QR code every 55 s and redraw it without reloading the page. Without JavaScript the page's
   meta refresh reloads it instead (this script removes that tag so the page does not reload as well). */
(function () {
  "use strict";
  var box = document.querySelector("[data-qr-token-url]");
  if (!box || !window.fetch) { return; }
  var meta = document.querySelector("meta[http-equiv='refresh']");
  if (meta) { meta.parentNode.removeChild(meta); }
  var url = box.getAttribute("data-qr-token-url");
  var every = parseInt(box.getAttribute("data-qr-refresh-ms"), 10) || 55000;
  var image = box.querySelector(".qr");
  var link = box.querySelector(".qr-link");
  var state = box.querySelector(".qr-state");
  var left = box.querySelector(".countdown");
  var expires = Date.parse(box.getAttribute("data-qr-expires"));

  function tick() {
    if (!left || isNaN(expires)) { return; }
    var seconds = Math.max(0, Math.round((expires - Date.now()) / 1000));
    left.textContent = String(seconds);
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json().then(function (body) { return [response.ok, body]; }); })
      .then(function (result) {
        var ok = result[0], body = result[1];
        if (!ok) {
          if (state) { state.textContent = (body.error && body.error.message) || "二维码刷新失败，请刷新页面。"; }
          return;
        }
        image.innerHTML = body.svg;
        if (link) { link.setAttribute("href", body.url); link.textContent = body.url; }
        expires = Date.parse(body.expires_at);
        if (state) { state.textContent = "二维码已刷新"; }
        tick();
      })
      .catch(function () { if (state) { state.textContent = "网络异常，二维码未能刷新，请刷新页面。"; } });
  }

  window.setInterval(refresh, every);
  window.setInterval(tick, 1000);
  tick();
}());
