// Charts drawn with Chart.js (vendor/chartjs/chart.umd.min.js, loaded before this file) from data the
// server wrote with {{ data|json_script:"ID" }}. Progressive enhancement: the page always carries a table
// with the same numbers, and nothing happens when Chart.js is missing or the data is unusable.
//
//   <figure class="p2ham-chart" data-chart="bar|stacked|line|histogram" data-source="ID" data-label="...">
//     <figcaption>...</figcaption>
//     <div class="p2ham-chart-canvas"></div>
//   </figure>
//   JSON: {"labels": [...], "datasets": [{"label": "...", "data": [...]}], "x_title": "...", "y_title": "..."}
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") return;
  var Chart = window.Chart;

  // Okabe–Ito colours, reordered so the first five all have at least 3:1 contrast with white.
  // The last two (orange, sky blue) are lighter, so they get a darker outline that does.
  var PALETTE = [
    { fill: "#0072B2", line: "#0072B2" }, // blue 5.2:1
    { fill: "#D55E00", line: "#D55E00" }, // vermillion 3.9:1
    { fill: "#009E73", line: "#009E73" }, // bluish green 3.4:1
    { fill: "#CC79A7", line: "#CC79A7" }, // reddish purple 3.1:1
    { fill: "#000000", line: "#000000" }, // black
    { fill: "#E69F00", line: "#9A6700" }, // orange, outline 4.9:1
    { fill: "#56B4E9", line: "#1F6E99" }, // sky blue, outline 5.6:1
  ];
  // Lines also differ by marker and dash, so they stay apart without colour.
  var POINTS = ["circle", "rect", "triangle", "rectRot", "crossRot", "star", "rectRounded"];
  var DASHES = [[], [6, 4], [2, 3], [8, 3, 2, 3], [], [6, 4], [2, 3]];

  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  Chart.defaults.color = "#212529";
  Chart.defaults.borderColor = "#dee2e6";
  Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily || Chart.defaults.font.family;
  Chart.defaults.font.size = 13;
  if (reduceMotion) Chart.defaults.animation = false;

  function readData(figure) {
    var id = figure.getAttribute("data-source");
    var source = id && document.getElementById(id);
    if (!source) return null;
    try {
      var data = JSON.parse(source.textContent);
      if (!data || !Array.isArray(data.labels) || !Array.isArray(data.datasets)) return null;
      return data;
    } catch (error) {
      return null;
    }
  }

  function allIntegers(datasets) {
    return datasets.every(function (set) {
      return (set.data || []).every(function (value) { return value === null || Number.isInteger(value); });
    });
  }

  function axisTitle(text) {
    return { display: Boolean(text), text: text || "", font: { weight: "bold" } };
  }

  function buildConfig(kind, data) {
    var isLine = kind === "line";
    var isStacked = kind === "stacked";
    var isHistogram = kind === "histogram";
    var several = data.datasets.length > 1;

    var datasets = data.datasets.map(function (set, index) {
      var colour = PALETTE[index % PALETTE.length];
      var dataset = { label: set.label || "", data: set.data || [] };
      if (isLine) {
        dataset.borderColor = colour.line;
        dataset.backgroundColor = colour.fill;
        dataset.borderWidth = 2.5;
        dataset.borderDash = DASHES[index % DASHES.length];
        dataset.pointStyle = POINTS[index % POINTS.length];
        dataset.pointRadius = 4;
        dataset.pointHoverRadius = 6;
        dataset.fill = false;
        dataset.tension = 0;
      } else {
        dataset.backgroundColor = colour.fill;
        // White edges keep stacked segments and touching histogram bars apart; light fills get a dark edge.
        dataset.borderColor = colour.fill === colour.line ? "#ffffff" : colour.line;
        dataset.borderWidth = colour.fill === colour.line ? (isStacked || isHistogram ? 1 : 0) : 1.5;
        if (isHistogram) {
          dataset.barPercentage = 1;
          dataset.categoryPercentage = 1;
        }
      }
      return dataset;
    });

    var yTicks = { precision: allIntegers(data.datasets) ? 0 : undefined };
    return {
      type: isLine ? "line" : "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: window.innerWidth < 576 ? 1.2 : 2,
        locale: document.documentElement.lang || "id",
        animation: reduceMotion ? false : undefined,
        interaction: isLine ? { mode: "index", intersect: false } : { mode: "nearest", intersect: true },
        plugins: {
          legend: { display: several, position: "bottom", labels: { usePointStyle: isLine, boxWidth: 14, boxHeight: isLine ? 8 : 14 } },
          tooltip: { enabled: true },
        },
        scales: {
          x: {
            stacked: isStacked,
            title: axisTitle(data.x_title),
            grid: { display: isLine },
          },
          y: {
            stacked: isStacked,
            beginAtZero: true,
            title: axisTitle(data.y_title),
            ticks: yTicks,
          },
        },
      },
    };
  }

  function draw(figure) {
    if (figure.getAttribute("data-chart-ready")) return;
    var holder = figure.querySelector(".p2ham-chart-canvas");
    var data = readData(figure);
    var kind = figure.getAttribute("data-chart") || "bar";
    if (!holder || !data || ["bar", "stacked", "line", "histogram"].indexOf(kind) === -1) return;

    var label = figure.getAttribute("data-label");
    if (!label) {
      var caption = figure.querySelector("figcaption");
      label = caption ? caption.textContent.trim() : "";
    }
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    if (label) canvas.setAttribute("aria-label", label);
    holder.style.position = "relative"; // Chart.js sizes the canvas from this box
    holder.appendChild(canvas);
    try {
      new Chart(canvas, buildConfig(kind, data));
      figure.setAttribute("data-chart-ready", "true");
      figure.classList.add("p2ham-chart-ready");
    } catch (error) {
      holder.removeChild(canvas); // the table still shows the numbers
    }
  }

  function drawAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("figure.p2ham-chart")) draw(scope);
    Array.prototype.forEach.call(scope.querySelectorAll("figure.p2ham-chart"), draw);
  }

  drawAll(document);
  // Content swapped in by htmx gets its charts too.
  document.addEventListener("htmx:load", function (event) { drawAll(event.target); });
})();
