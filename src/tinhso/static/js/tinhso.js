// Progressive enhancement only: every page works without script.
(function () {
  "use strict";

  // Charts of the operations centre, drawn with ECharts from data the page carries in
  // <script type="application/json"> elements; the tables beside them hold the same numbers. They are drawn
  // on load and again inside every part htmx swaps in (the unit picker replaces the page's content).
  function drawCharts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-chart"));
      if (!source || window.echarts.getInstanceByDom(element)) { return; }
      var data = JSON.parse(source.textContent);
      roomFor(element, data.labels.length);
      var chart = window.echarts.init(element, null, { renderer: "canvas" });
      // A click on a point or bar drills down to the list behind it (the same links are in the table).
      if (data.links && data.links.length) {
        chart.on("click", function (params) {
          var link = data.links[params.dataIndex];
          if (link && params.seriesIndex === 0) { window.location.assign(link); }
        });
      }
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        grid: { left: 48, right: 16, top: 24, bottom: 56, containLabel: true },
        xAxis: { type: "category", data: data.labels,
                 axisLabel: { rotate: data.labels.length > 6 ? 45 : 0, width: 120, overflow: "truncate" } },
        yAxis: { type: "value", name: data.unit },
        series: [{ type: data.kind === "bar" ? "bar" : "line", name: data.name, data: data.values,
                   connectNulls: false, label: { show: data.labels.length <= 12 },
                   cursor: data.links && data.links.length ? "pointer" : "default",
                   symbolSize: data.links && data.links.length ? 8 : 4 }].concat(
          data.target === null || data.target === undefined ? [] : [{
            type: "line", name: "Chỉ tiêu", data: data.labels.map(function () { return data.target; }),
            symbol: "none", lineStyle: { type: "dashed" } }])
      });
    });
    // The overview cards' month-by-month trend of the selected year (decorative: the numbers are in the
    // indicator's own page).
    var trends = document.getElementById("trends-data");
    if (!trends) { return; }
    var series = JSON.parse(trends.textContent);
    root.querySelectorAll("[data-spark]").forEach(function (element) {
      var data = series[element.getAttribute("data-spark")];
      if (!data || window.echarts.getInstanceByDom(element)) { return; }
      var spark = window.echarts.init(element, null, { renderer: "canvas" });
      // The trend belongs to its card: a click opens the indicator, like the card's heading link.
      var heading = element.closest("li") && element.closest("li").querySelector("h3 a");
      if (heading) {
        element.style.cursor = "pointer";
        spark.getZr().on("click", function () { window.location.assign(heading.href); });
      }
      spark.setOption({
        animation: false,
        grid: { left: 2, right: 2, top: 4, bottom: 4 },
        xAxis: { type: "category", show: false, data: data.labels },
        yAxis: { type: "value", show: false, scale: true },
        series: [{ type: "line", data: data.values, symbol: "none", connectNulls: false, areaStyle: { opacity: 0.15 } }]
      });
    });
  }

  // A chart needs room for its labels: on a narrow screen it keeps that width inside its own box, which
  // scrolls sideways, instead of cutting or overlapping the labels.
  function roomFor(element, count) {
    var needed = Math.max(320, count * 40 + 96);
    if (element.clientWidth >= needed) { return; }
    if (!element.parentNode.classList.contains("chart-scroll")) {
      var box = document.createElement("div");
      box.className = "chart-scroll";
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", element.getAttribute("aria-label") || "");
      element.parentNode.insertBefore(box, element);
      box.appendChild(element);
    }
    element.style.minWidth = needed + "px";
  }

  // Filters marked data-collapsible fold behind a button on a narrow screen, so the results come first;
  // the button says how many filters are in use. Without script, or on a wide screen, they stay open.
  var narrow = window.matchMedia ? window.matchMedia("(max-width: 40rem)") : null;
  var filtersOpen = false;
  function collapseFilters(root) {
    if (!narrow) { return; }
    root.querySelectorAll("[data-collapsible]").forEach(function (form) {
      if (form.previousElementSibling && form.previousElementSibling.classList.contains("filters-toggle")) { return; }
      if (!form.id) { form.id = "filters-" + Math.random().toString(36).slice(2, 8); }
      var used = 0;
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.type === "hidden" || field.type === "submit" || field.type === "button" || !field.name) { return; }
        if ((field.type === "checkbox" || field.type === "radio") ? field.checked : field.value) { used += 1; }
      });
      var button = document.createElement("button");
      button.type = "button";
      button.className = "filters-toggle";
      button.setAttribute("aria-controls", form.id);
      button.textContent = form.getAttribute("data-collapsible") + (used ? " (" + used + ")" : "");
      function show(open) {
        filtersOpen = open;
        button.setAttribute("aria-expanded", open ? "true" : "false");
        form.classList.toggle("is-collapsed", !open);
      }
      button.addEventListener("click", function () { show(form.classList.contains("is-collapsed")); });
      form.parentNode.insertBefore(button, form);
      show(filtersOpen);
    });
  }

  // One resize handler for whatever charts the page holds now, so swapped-out charts are not kept alive.
  window.addEventListener("resize", function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart], [data-spark]").forEach(function (element) {
      var chart = window.echarts.getInstanceByDom(element);
      if (chart) { chart.resize(); }
    });
  });

  // Charts in the part about to be replaced are disposed of, releasing their canvases and listeners.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!window.echarts || !event.detail.target) { return; }
    event.detail.target.querySelectorAll("[data-chart], [data-spark]").forEach(function (element) {
      var chart = window.echarts.getInstanceByDom(element);
      if (chart) { chart.dispose(); }
    });
  });

  // A select whose choice decides another's options (a field its procedures) empties that one when it
  // changes; the capture phase runs before htmx reads the form.
  document.addEventListener("change", function (event) {
    var name = event.target.getAttribute && event.target.getAttribute("data-clears");
    if (!name || !event.target.form) { return; }
    var dependent = event.target.form.elements.namedItem(name);
    if (dependent) { dependent.value = ""; }
  }, true);

  // Forms marked data-drop-empty leave "all" choices out of the address htmx requests and pushes.
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!form.hasAttribute || !form.hasAttribute("data-drop-empty") || !event.detail.formData) { return; }
    var empty = [];
    event.detail.formData.forEach(function (value, key) { if (value === "") { empty.push(key); } });
    empty.forEach(function (key) { event.detail.formData.delete(key); });
  });

  // After htmx swaps in new numbers: draw the charts, tell screen readers what changed (the live region is
  // outside the swapped part), and if the control that had focus went away, put focus on the heading.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    collapseFilters(target);
    drawCharts(target);
    var note = target.querySelector("[data-updated]");
    var live = document.querySelector("[data-live-status]");
    if (note && live) { live.textContent = note.textContent; }
    var focused = document.activeElement;
    if (!focused || focused === document.body || !document.body.contains(focused)) {
      var heading = target.querySelector("h1");
      if (heading) { heading.focus(); }
    }
  });

  // Pages of official figures are not kept in the browser's storage (hx-history="false"): going back asks
  // the server for the whole page again, and its charts are drawn here.
  document.addEventListener("htmx:historyRestore", function () { drawCharts(document); });

  document.addEventListener("DOMContentLoaded", function () {
    collapseFilters(document);
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
    drawCharts(document);
  });
})();
