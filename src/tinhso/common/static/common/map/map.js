// The platform's one map component (tinhso.common.maps): Leaflet over an offline base map, with the layers a
// module supplies as GeoJSON endpoints. Everything is loaded from the site's own origin.
(function () {
  "use strict";

  var maps = window.tinhsoMaps = window.tinhsoMaps || {};

  function escapeHtml(text) {
    return String(text === undefined || text === null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/geo+json, application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      });
  }

  // The background: a deployment's tile server, else the offline world (land, lakes, rivers, borders) with the
  // provinces' 2025 boundaries and any commune boundaries an administrator imported.
  function drawBase(map, base, renderer) {
    if (base.tiles) {
      L.tileLayer(base.tiles, { attribution: escapeHtml(base.attribution), maxZoom: base.maxZoom }).addTo(map);
    } else {
      map.createPane("base-land").style.zIndex = 150;
      var styles = [
        [base.land, { stroke: false, fillColor: "#ece1cb", fillOpacity: 1 }],
        [base.lakes, { stroke: false, fillColor: "#78bced", fillOpacity: 1 }],
        [base.rivers, { color: "#78bced", weight: 1 }],
        [base.borders, { color: "#828282", weight: 1.5, opacity: 0.7 }]
      ];
      styles.forEach(function (pair) {
        getJson(pair[0]).then(function (data) {
          L.geoJSON(data, { pane: "base-land", style: pair[1], interactive: false, renderer: renderer }).addTo(map);
        }).catch(function () { /* the background is decoration; the layers still draw */ });
      });
    }
    map.createPane("base-units").style.zIndex = 350;
    getJson(base.provinces).then(function (data) {
      L.geoJSON(data, { pane: "base-units", interactive: false, renderer: renderer,
        style: { color: "#5b4a3a", weight: 1.2, fill: false } }).addTo(map);
    }).catch(function () {});
    if (base.communes) {
      getJson(base.communes).then(function (data) {
        if (!data.features || !data.features.length) { return; }
        L.geoJSON(data, { pane: "base-units", renderer: renderer,
          style: { color: "#7a6a5a", weight: 0.7, dashArray: "3 3", fill: false },
          onEachFeature: function (feature, layer) {
            if (feature.properties && feature.properties.title) { layer.bindTooltip(escapeHtml(feature.properties.title)); }
          } }).addTo(map);
      }).catch(function () {});
    }
  }

  function colourOf(layer, properties) {
    if (layer.colourBy && properties && layer.colours[properties[layer.colourBy]]) {
      return layer.colours[properties[layer.colourBy]];
    }
    return layer.colour;
  }

  function popupHtml(properties, texts, layer) {
    var html = '<div class="map-popup"><strong>' + escapeHtml(properties.title) + "</strong>";
    if (properties.subtitle) { html += "<br>" + escapeHtml(properties.subtitle); }
    var url = properties.url || (layer.recordUrl && properties.id !== undefined ?
      layer.recordUrl.replace("{id}", encodeURIComponent(properties.id)) : "");
    if (url) {
      html += '<br><a class="map-open" href="' + escapeHtml(url) + '">' + escapeHtml(texts.open) + "</a>";
    }
    return html + "</div>";
  }

  function setup(element) {
    var source = document.getElementById(element.getAttribute("data-map-config"));
    if (!source || !window.L || maps[element.id]) { return; }
    var config = JSON.parse(source.textContent);
    var renderer = L.canvas({ padding: 0.3, tolerance: 6 });
    var map = L.map(element, { preferCanvas: true, zoomControl: true, maxZoom: config.base.maxZoom || 18 });
    map.fitBounds(config.bounds);
    // Credits without links out of the site: the network may be closed.
    map.attributionControl.setPrefix("Leaflet");
    if (!config.base.tiles) {
      map.attributionControl.addAttribution("Natural Earth (mapeo-offline-map); ranh giới tỉnh 2025: TaliaCao/Vietnam-Shape-Map");
    }
    drawBase(map, config.base, renderer);
    var status = document.getElementById(config.id + "-status");
    var filters = Object.assign({}, config.filters);
    var state = { map: map, layers: {}, config: config };
    maps[element.id] = state;

    function say(text) { if (status) { status.textContent = text; } }

    function urlFor(layer) {
      var query = [];
      layer.filters.forEach(function (name) {
        if (filters[name]) { query.push(encodeURIComponent(name) + "=" + encodeURIComponent(filters[name])); }
      });
      return layer.url + (query.length ? (layer.url.indexOf("?") < 0 ? "?" : "&") + query.join("&") : "");
    }

    function load(layer) {
      var entry = state.layers[layer.key];
      say(config.texts.loading);
      return getJson(urlFor(layer)).then(function (data) {
        entry.group.clearLayers();
        var drawn = L.geoJSON(data, {
          renderer: renderer,
          pointToLayer: function (feature, latlng) {
            var colour = colourOf(layer, feature.properties);
            return L.circleMarker(latlng, { radius: layer.radius, color: "#1b1f24", weight: 1, fillColor: colour,
              fillOpacity: 0.9, renderer: renderer });
          },
          style: function (feature) {
            var colour = colourOf(layer, feature.properties);
            return layer.geometry === "polygon" ? { color: colour, weight: 2, fillOpacity: 0.2 }
              : { color: colour, weight: 3 };
          },
          onEachFeature: function (feature, item) {
            item.bindPopup(popupHtml(feature.properties || {}, config.texts, layer));
            item.feature = feature;
          }
        });
        drawn.addTo(entry.group);
        entry.data = data;
        var count = document.getElementById(config.id + "-count-" + layer.key);
        var total = (data.features || []).length;
        if (count) { count.textContent = "(" + total.toLocaleString("vi-VN") + ")"; }
        element.setAttribute("data-loaded-" + layer.key, String(total));
        say(config.texts.loaded + " " + layer.label + ": " + total.toLocaleString("vi-VN") + " " + config.texts.objects);
      }).catch(function () {
        say(config.texts.failed + " " + layer.label + ".");
      });
    }

    config.layers.forEach(function (layer) {
      var group = L.layerGroup();
      state.layers[layer.key] = { layer: layer, group: group, data: null };
      if (layer.visible) { group.addTo(map); }
      load(layer);
    });

    state.reload = function () {
      return Promise.all(config.layers.map(function (layer) { return load(layer); }));
    };

    // The layer switches beside the map.
    document.querySelectorAll('[data-map-layer="' + config.id + '"]').forEach(function (box) {
      box.addEventListener("change", function () {
        var entry = state.layers[box.value];
        if (!entry) { return; }
        if (box.checked) { entry.group.addTo(map); } else { map.removeLayer(entry.group); }
      });
    });

    // The filter form: without script it reloads the page; with script only the layers that honour it.
    var form = document.querySelector('[data-map-filters="' + config.id + '"]');
    if (form) {
      form.addEventListener("change", function (event) {
        var select = event.target;
        if (!select.name) { return; }
        filters[select.name] = select.value;
        config.layers.forEach(function (layer) {
          if (layer.filters.indexOf(select.name) >= 0) { load(layer); }
        });
        var query = new URLSearchParams(new FormData(form));
        window.history.replaceState(null, "", "?" + query.toString());
        document.querySelectorAll(".map-layers a").forEach(function (link) {
          link.href = link.href.split("?")[0] + (query.toString() ? "?" + query.toString() : "");
        });
      });
    }

    if (config.refresh) { window.setInterval(state.reload, config.refresh * 1000); }
    if (config.draw) { drawTool(state, config); }

    // Legend swatches take their colour here (no inline style under the CSP).
    document.querySelectorAll("#" + config.id + "-component .swatch[data-colour]").forEach(function (swatch) {
      swatch.style.backgroundColor = swatch.getAttribute("data-colour");
    });
    window.addEventListener("resize", function () { map.invalidateSize(); });
  }

  // A polygon drawn by clicking its corners, written as GeoJSON into the form field the page names.
  function drawTool(state, config) {
    var map = state.map;
    var field = document.querySelector('[name="' + config.draw.field + '"]');
    var box = document.querySelector('[data-map-draw="' + config.id + '"]');
    var points = [];
    var outline = L.polyline([], { color: "#b3261e", weight: 2 }).addTo(map);
    var shape = null;

    function show(latlngs) {
      if (shape) { map.removeLayer(shape); }
      shape = L.polygon(latlngs, { color: "#b3261e", weight: 2, fillOpacity: 0.25 }).addTo(map);
    }
    if (field && field.value) {
      try {
        var existing = JSON.parse(field.value);
        show(existing.coordinates[0].map(function (c) { return [c[1], c[0]]; }));
      } catch (error) { /* the server checks the field */ }
    }
    map.on("click", function (event) {
      points.push(event.latlng);
      outline.setLatLngs(points);
    });
    if (!box) { return; }
    box.querySelector("[data-draw-finish]").addEventListener("click", function () {
      if (points.length < 3) { return; }
      var ring = points.map(function (p) { return [Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))]; });
      ring.push(ring[0]);
      if (field) { field.value = JSON.stringify({ type: "Polygon", coordinates: [ring] }); }
      show(points.slice());
      points = [];
      outline.setLatLngs([]);
    });
    box.querySelector("[data-draw-clear]").addEventListener("click", function () {
      points = [];
      outline.setLatLngs([]);
      if (shape) { map.removeLayer(shape); shape = null; }
      if (field) { field.value = ""; }
    });
  }

  function start() { document.querySelectorAll("[data-map-config]").forEach(setup); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
