// Progressive enhancement: refresh petition counters while the page is open.
// The page is complete without it; the count is also in the HTML.
// Each box ([data-count-url]) is refreshed every data-refresh-seconds seconds (default 15).
(function () {
  "use strict";
  var DEFAULT_SECONDS = 15;
  var MIN_SECONDS = 1;
  var boxes = document.querySelectorAll("[data-count-url]");
  if (!boxes.length || !window.fetch) return;
  var locale = document.documentElement.lang || undefined;
  function intervalSeconds(box) {
    var seconds = parseFloat(box.getAttribute("data-refresh-seconds"));
    return isFinite(seconds) && seconds >= MIN_SECONDS ? seconds : DEFAULT_SECONDS;
  }
  function refresh(box) {
    // No cookies: the count is public, cacheable, and says nothing about who asks.
    fetch(box.getAttribute("data-count-url"), { credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        var value = box.querySelector(".count-value");
        var bar = box.querySelector(".count-bar");
        if (value) value.textContent = Number(data.count).toLocaleString(locale);
        if (bar) { bar.max = data.goal; bar.value = data.count; }
        box.setAttribute("data-count", data.count);
      })
      .catch(function () { /* offline or busy: keep the last figure */ });
  }
  Array.prototype.forEach.call(boxes, function (box) {
    refresh(box);
    setInterval(function () { refresh(box); }, intervalSeconds(box) * 1000);
  });
})();
