// The operations room's wall (ioc/wall.html): rotates the layout's panels, polls the wall's data with its ETag
// (304 while nothing changed) and keeps showing the last data with its time when the network drops.
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("wall-config").textContent);
  var texts = config.texts;
  var etag = null;
  var lastRead = config.read_at;
  var layoutVersion = null;
  var failures = 0;
  var current = 0;
  var paused = 0;
  var panels = Array.prototype.slice.call(document.querySelectorAll("[data-panel]"));
  var dots = Array.prototype.slice.call(document.querySelectorAll("[data-dot]"));
  var connection = document.getElementById("wall-connection");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function spark(values) {
    var points = values.map(function (v, i) { return [i, v]; }).filter(function (p) { return p[1] !== null; });
    if (points.length < 2) { return null; }
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 100 30");
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("aria-hidden", "true");
    var min = Math.min.apply(null, points.map(function (p) { return p[1]; }));
    var max = Math.max.apply(null, points.map(function (p) { return p[1]; }));
    var span = max - min || 1;
    var line = document.createElementNS(ns, "polyline");
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", "#9cc7ff");
    line.setAttribute("stroke-width", "2");
    line.setAttribute("points", points.map(function (p) {
      return (p[0] * 100 / Math.max(values.length - 1, 1)).toFixed(1) + "," + (28 - (p[1] - min) * 26 / span).toFixed(1);
    }).join(" "));
    svg.appendChild(line);
    return svg;
  }

  function drawNumbers(numbers) {
    document.querySelectorAll("[data-numbers]").forEach(function (list) {
      var wanted = list.getAttribute("data-numbers");
      var codes = wanted ? wanted.split(",") : null;
      var shown = numbers.filter(function (n) { return !codes || codes.indexOf(n.code) >= 0; }).slice(0, 12);
      list.setAttribute("data-count", String(shown.length));
      list.textContent = "";
      shown.forEach(function (n) {
        var item = el("li", "wall-number status-" + n.status);
        item.setAttribute("data-code", n.code);
        var title = el("h3");
        var link = el("a", "", n.name);
        link.href = n.url;
        title.appendChild(link);
        item.appendChild(title);
        var value = el("p", "value", n.value_text);
        if (n.unit) { value.appendChild(el("small", "", n.unit)); }
        item.appendChild(value);
        item.appendChild(el("p", "status", n.status_label));
        if (n.target_text) { item.appendChild(el("p", "target", texts.target + ": " + n.target_text + (n.unit === "%" ? "%" : ""))); }
        if (n.trend) {
          item.appendChild(el("p", "trend", (n.trend === "up" ? "▲ " : n.trend === "down" ? "▼ " : "■ ") + n.trend_label));
        }
        var line = spark(n.spark || []);
        if (line) { item.appendChild(line); }
        list.appendChild(item);
      });
    });
  }

  function drawAlerts(alerts, open) {
    document.querySelectorAll("[data-alerts]").forEach(function (list) {
      list.textContent = "";
      if (!alerts.length) { list.appendChild(el("li", "wall-alert-none", texts.no_alerts)); }
      alerts.slice(0, list.getAttribute("data-alerts") === "feed" ? 8 : 12).forEach(function (a) {
        var item = el("li", "wall-alert severity-" + a.severity);
        item.setAttribute("data-alert", String(a.id));
        var head = el("p");
        head.appendChild(el("span", "severity", a.severity_label));
        head.appendChild(document.createTextNode(" "));
        if (a.link) {
          var link = el("a", "", a.title);
          link.href = a.link;
          head.appendChild(link);
        } else { head.appendChild(document.createTextNode(a.title)); }
        item.appendChild(head);
        item.appendChild(el("p", "meta", a.raised + " · " + a.state_label + " · " + a.rule));
        list.appendChild(item);
      });
    });
    var count = document.getElementById("wall-open-count");
    if (count) { count.textContent = open ? "(" + open + ")" : ""; }
  }

  function draw(data) {
    drawNumbers(data.numbers || []);
    drawAlerts(data.alerts || [], data.open_alerts || 0);
  }

  function setConnection(live) {
    connection.setAttribute("data-state", live ? "live" : "offline");
    connection.textContent = live ? texts.live + " · " + texts.updated + " " + lastRead
      : texts.offline + " " + lastRead;
  }

  function schedule() {
    // Back off while the server is unreachable (up to 30 s), then resume the normal rhythm.
    var delay = failures ? Math.min(config.poll * 1000 * Math.pow(2, failures - 1), 30000) : config.poll * 1000;
    window.setTimeout(poll, delay);
  }

  function poll() {
    var headers = { "Accept": "application/json" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(config.data_url, { credentials: "same-origin", headers: headers, cache: "no-store", redirect: "manual" })
      .then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
          connection.setAttribute("data-state", "offline");
          connection.textContent = texts.signed_out;
          failures += 1;
          return;
        }
        if (response.status === 304) {
          failures = 0;
          lastRead = new Date().toLocaleTimeString("vi-VN", { hour12: false });
          lastRead = config.read_at_date ? config.read_at_date + " " + lastRead : lastRead;
          setConnection(true);
          return;
        }
        if (!response.ok) { throw new Error(String(response.status)); }
        etag = response.headers.get("ETag");
        return response.json().then(function (data) {
          failures = 0;
          if (layoutVersion && data.layout_version && data.layout_version !== layoutVersion) {
            window.location.reload();
            return;
          }
          layoutVersion = data.layout_version;
          lastRead = data.read_at;
          draw(data);
          setConnection(true);
        });
      })
      .catch(function () {
        failures += 1;
        setConnection(false);
      })
      .then(schedule);
  }

  function show(index) {
    panels.forEach(function (panel, i) { panel.hidden = i !== index; });
    dots.forEach(function (dot, i) {
      if (i === index) { dot.setAttribute("aria-current", "step"); } else { dot.removeAttribute("aria-current"); }
    });
    current = index;
    if (panels[index] && panels[index].getAttribute("data-kind") === "map" && window.tinhsoMaps &&
        window.tinhsoMaps["wall-map"]) {
      var state = window.tinhsoMaps["wall-map"];
      window.setTimeout(function () {
        state.map.invalidateSize();
        state.map.fitBounds(state.config.bounds);
      }, 50);
    }
    var seconds = (config.panels[index] || {}).seconds || 30;
    window.setTimeout(advance, seconds * 1000);
  }

  function advance() {
    if (paused > Date.now()) {
      window.setTimeout(advance, 1000);
      return;
    }
    if (panels.length > 1) { show((current + 1) % panels.length); }
  }

  // A click on a commune opens its numbers beside the map; the rotation waits while someone reads them.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".wall-map .map-open");
    var aside = document.getElementById("wall-commune");
    if (!link || !aside || link.getAttribute("href").indexOf("/phong/xa/") < 0) { return; }
    event.preventDefault();
    paused = Date.now() + 60000;
    fetch(link.getAttribute("href") + "?khung=1", { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      aside.textContent = "";
      var close = el("button", "", texts.close);
      close.type = "button";
      close.addEventListener("click", function () { aside.hidden = true; paused = 0; });
      aside.appendChild(close);
      Array.prototype.forEach.call(doc.body.childNodes, function (node) { aside.appendChild(document.importNode(node, true)); });
      aside.hidden = false;
    }).catch(function () { window.location.href = link.getAttribute("href"); });
  });

  draw(config.initial);
  config.read_at_date = (config.read_at || "").split(" ")[0];
  setConnection(true);
  if (panels.length) { show(0); }
  schedule();
}());
