// Choropleth map of Indonesia's provinces, drawn with jsVectorMap (vendor/jsvectormap/jsvectormap.min.js)
// and the map in vendor/indonesia-map/indonesia.js, both loaded before this file. Progressive enhancement:
// the page always carries a table with the same numbers and links; the map adds nothing keyboard users
// need (no zoom buttons, no dragging, nothing focusable), and nothing happens when the libraries are missing.
//
//   <div class="p2ham-map" data-source="ID" data-label="..."></div>
//   JSON: {"regions": {"11": {"name": "Aceh", "count": 3, "url": "/hasil/2025/?provinsi=11"}, ...}, "legend": "..."}
//
// Provinces created in 2022 (93-96) have no shape of their own: their counts are added to the province
// whose shape contains them (window.P2HAM_MAP_PARENT, from indonesia.js).
(function () {
  "use strict";
  if (typeof window.jsVectorMap === "undefined" || !window.P2HAM_MAP_PARENT) return;
  var PARENT = window.P2HAM_MAP_PARENT;
  var MAP_WIDTH = 793;
  var MAP_HEIGHT = 288;

  var ZERO = "#e9ecef"; // no data: light grey
  // Sequential blues (ColorBrewer "Blues"), light to dark, for counts above zero.
  var STEPS = ["#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
  var OUTLINE = "#6c757d"; // 4.7:1 against white, so pale provinces keep a visible edge

  function readData(element) {
    var id = element.getAttribute("data-source");
    var source = id && document.getElementById(id);
    if (!source) return null;
    try {
      var data = JSON.parse(source.textContent);
      return data && typeof data.regions === "object" && data.regions ? data : null;
    } catch (error) {
      return null;
    }
  }

  function toNumber(value) {
    var number = Number(value);
    return isFinite(number) && number > 0 ? number : 0;
  }

  // Adds the counts of the provinces without a shape to their parent shape.
  function mergeRegions(regions) {
    var merged = {};
    Object.keys(regions).forEach(function (code) {
      if (PARENT[code]) return;
      var region = regions[code] || {};
      merged[code] = { name: region.name || "", count: toNumber(region.count), url: region.url || "", parts: [] };
    });
    Object.keys(regions).forEach(function (code) {
      var parent = PARENT[code];
      if (!parent) return;
      var region = regions[code] || {};
      if (!merged[parent]) merged[parent] = { name: "", count: 0, url: "", parts: [] };
      merged[parent].count += toNumber(region.count);
      if (region.name) merged[parent].parts.push(region.name);
    });
    return merged;
  }

  // Up to four classes of equal width between 1 and the largest count.
  function classes(max) {
    var count = Math.min(STEPS.length, Math.ceil(max));
    var result = [];
    var lower = 1;
    for (var i = 1; i <= count; i++) {
      var upper = Math.max(lower, Math.ceil((max * i) / count));
      var step = count === 1 ? STEPS.length - 2 : Math.round(((i - 1) * (STEPS.length - 1)) / (count - 1));
      result.push({ lower: lower, upper: upper, colour: STEPS[step] });
      lower = upper + 1;
    }
    return result;
  }

  function colourFor(value, ranges) {
    if (value <= 0) return ZERO;
    for (var i = 0; i < ranges.length; i++) {
      if (value <= ranges[i].upper) return ranges[i].colour;
    }
    return ranges[ranges.length - 1].colour;
  }

  function formatter() {
    var locale = document.documentElement.lang || "id";
    try {
      var format = new Intl.NumberFormat(locale);
      return function (value) { return format.format(value); };
    } catch (error) {
      return function (value) { return String(value); };
    }
  }

  function safeUrl(url) {
    if (!url) return "";
    try {
      var parsed = new URL(url, window.location.href);
      return parsed.protocol === window.location.protocol ? parsed.href : "";
    } catch (error) {
      return "";
    }
  }

  function buildLegend(title, ranges, format) {
    var legend = document.createElement("div");
    legend.className = "p2ham-map-legend small";
    legend.style.display = "flex";
    legend.style.flexWrap = "wrap";
    legend.style.alignItems = "center";
    legend.style.gap = ".25rem 1rem";
    legend.style.marginTop = ".5rem";
    if (title) {
      var heading = document.createElement("span");
      heading.className = "fw-bold";
      heading.textContent = title;
      legend.appendChild(heading);
    }
    var items = [{ label: format(0), colour: ZERO }].concat(ranges.map(function (range) {
      var label = range.lower === range.upper ? format(range.lower) : format(range.lower) + "–" + format(range.upper);
      return { label: label, colour: range.colour };
    }));
    items.forEach(function (item) {
      var entry = document.createElement("span");
      entry.style.display = "inline-flex";
      entry.style.alignItems = "center";
      entry.style.gap = ".35rem";
      var swatch = document.createElement("span");
      swatch.style.display = "inline-block";
      swatch.style.width = "1.5rem";
      swatch.style.height = ".9rem";
      swatch.style.backgroundColor = item.colour;
      swatch.style.border = "1px solid " + OUTLINE;
      entry.appendChild(swatch);
      entry.appendChild(document.createTextNode(item.label));
      legend.appendChild(entry);
    });
    return legend;
  }

  function draw(element) {
    if (element.getAttribute("data-map-ready")) return;
    var data = readData(element);
    if (!data) return;
    var regions = mergeRegions(data.regions);
    var max = 0;
    Object.keys(regions).forEach(function (code) { max = Math.max(max, regions[code].count); });
    var ranges = max > 0 ? classes(max) : [];
    var format = formatter();

    var label = element.getAttribute("data-label") || data.legend || "";
    element.setAttribute("role", "img");
    if (label) element.setAttribute("aria-label", label);

    var canvas = document.createElement("div");
    canvas.className = "p2ham-map-canvas";
    canvas.style.width = "100%";
    canvas.style.aspectRatio = MAP_WIDTH + " / " + MAP_HEIGHT;
    element.appendChild(canvas);

    var map;
    try {
      map = new window.jsVectorMap({
        selector: canvas,
        map: "indonesia",
        backgroundColor: "transparent",
        draggable: false,
        zoomButtons: false,
        zoomOnScroll: false,
        bindTouchEvents: false,
        regionsSelectable: false,
        showTooltip: true,
        regionStyle: {
          initial: { fill: ZERO, fillOpacity: 1, stroke: OUTLINE, strokeWidth: 0.4 },
          hover: { fillOpacity: 0.75, cursor: "default" },
          selected: {},
          selectedHover: {},
        },
        onLoaded: function (instance) {
          Object.keys(instance.regions).forEach(function (code) {
            var region = regions[code];
            var shape = instance.regions[code].element;
            shape.setStyle("fill", colourFor(region ? region.count : 0, ranges));
            if (region && safeUrl(region.url)) shape.setStyle("cursor", "pointer");
          });
        },
        onRegionTooltipShow: function (event, tooltip, code) {
          var region = regions[code];
          var name = tooltip.text();
          if (region && region.name) name = region.name;
          if (region && region.parts.length) name += " (+ " + region.parts.join(", ") + ")";
          tooltip.text(name + ": " + format(region ? region.count : 0));
          // The library's default blue tooltip has only 3.9:1 contrast with its white text.
          tooltip.css({ backgroundColor: "#212529", color: "#ffffff" });
        },
        onRegionClick: function (event, code) {
          var url = regions[code] && safeUrl(regions[code].url);
          if (url) window.location.assign(url);
        },
      });
    } catch (error) {
      element.removeChild(canvas);
      element.removeAttribute("role");
      element.removeAttribute("aria-label");
      return;
    }

    element.appendChild(buildLegend(data.legend, ranges, format));
    element.setAttribute("data-map-ready", "true");
    element.classList.add("p2ham-map-ready");

    // jsVectorMap does not follow its container's size by itself.
    var pending = false;
    var resize = function () {
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        if (canvas.offsetWidth) map.updateSize();
      });
    };
    if (window.ResizeObserver) new window.ResizeObserver(resize).observe(canvas);
    else window.addEventListener("resize", resize);
  }

  function drawAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("div.p2ham-map")) draw(scope);
    Array.prototype.forEach.call(scope.querySelectorAll("div.p2ham-map"), draw);
  }

  drawAll(document);
  document.addEventListener("htmx:load", function (event) { drawAll(event.target); });
})();
