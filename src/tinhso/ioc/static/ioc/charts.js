// Charts of the operations centre, drawn with ECharts from data the page carries in
// <script type="application/json"> elements; the tables beside them hold the same numbers.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) { return; }
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var source = document.getElementById(element.getAttribute("data-chart"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: 24, bottom: 56, containLabel: true },
      xAxis: { type: "category", data: data.labels, axisLabel: { rotate: data.labels.length > 6 ? 45 : 0 } },
      yAxis: { type: "value", name: data.unit },
      series: [{ type: data.kind === "bar" ? "bar" : "line", name: data.name, data: data.values,
                 connectNulls: false, label: { show: data.labels.length <= 12 } }].concat(
        data.target === null || data.target === undefined ? [] : [{
          type: "line", name: "Chỉ tiêu", data: data.labels.map(function () { return data.target; }),
          symbol: "none", lineStyle: { type: "dashed" } }])
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
  // The overview cards' month-by-month trend of the selected year (decorative: the numbers are in the
  // indicator's own page).
  var trends = document.getElementById("trends-data");
  if (!trends) { return; }
  var series = JSON.parse(trends.textContent);
  document.querySelectorAll("[data-spark]").forEach(function (element) {
    var data = series[element.getAttribute("data-spark")];
    if (!data) { return; }
    window.echarts.init(element, null, { renderer: "canvas" }).setOption({
      animation: false,
      grid: { left: 2, right: 2, top: 4, bottom: 4 },
      xAxis: { type: "category", show: false, data: data.labels },
      yAxis: { type: "value", show: false, scale: true },
      series: [{ type: "line", data: data.values, symbol: "none", connectNulls: false, areaStyle: { opacity: 0.15 } }]
    });
  });
});
