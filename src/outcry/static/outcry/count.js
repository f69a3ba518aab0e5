// Progressive enhancement: refresh petition counters while the page is open.
// The page is complete without it; the count is also in the HTML.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("[data-count-url]");
  if (!boxes.length || !window.fetch) return;
  var locale = document.documentElement.lang || undefined;
  function refresh() {
    boxes.forEach(function (box) {
      fetch(box.getAttribute("data-count-url"), { credentials: "omit" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          var value = box.querySelector(".count-value");
          var bar = box.querySelector(".count-bar");
          if (value) value.textContent = Number(data.count).toLocaleString(locale);
          if (bar) { bar.value = data.count; bar.max = data.goal; }
          box.setAttribute("data-count", data.count);
        })
        .catch(function () { /* offline or busy: keep the last figure */ });
    });
  }
  refresh();
  setInterval(refresh, 15000);
})();
