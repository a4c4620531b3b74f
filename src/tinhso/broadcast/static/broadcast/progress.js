// The counts of an emergency or live broadcast page, refreshed every two seconds while the broadcast is on.
(function () {
  "use strict";
  var box = document.getElementById("emergency-progress") || document.getElementById("live-progress");
  if (!box) { return; }
  function refresh() {
    fetch(box.dataset.url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (data) {
        if (!data) { window.setTimeout(refresh, 5000); return; }  // a passing failure: ask again later
        box.querySelectorAll("[data-key]").forEach(function (cell) {
          if (Object.prototype.hasOwnProperty.call(data, cell.dataset.key)) { cell.textContent = data[cell.dataset.key]; }
        });
        if (data.state === "active" || data.state === "proposed") { window.setTimeout(refresh, 2000); }
      })
      .catch(function () { window.setTimeout(refresh, 5000); });
  }
  window.setTimeout(refresh, 1000);
})();
