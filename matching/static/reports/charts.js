// Draws the regional report's chart from the data that the page passes through json_script
// (the Content-Security-Policy allows no inline script).
(function () {
  "use strict";
  var canvas = document.getElementById("share-chart");
  var source = document.getElementById("share-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var percent = function (values) {
    return values.map(function (v) { return Number(v) * 100; });
  };
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        {label: data.money_label, data: percent(data.money)},
        {label: data.population_label, data: percent(data.population)}
      ]
    },
    options: {
      indexAxis: "y",
      animation: false,
      scales: {x: {beginAtZero: true, ticks: {callback: function (v) { return v + " %"; }}}}
    }
  });
}());
