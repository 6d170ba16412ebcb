// Draws the results page's "rates over time" chart with Chart.js (loaded before this file) from the
// page's JSON block: the page itself holds no script, so its CSP can forbid inline code.
(function () {
  const canvas = document.getElementById('rates-chart');
  const block = document.getElementById('rates-series');
  if (!canvas || !block) return;
  const days = JSON.parse(block.textContent);
  const line = (label, key, color) => ({
    label,
    data: days.map((d) => d.rates[key]),
    borderColor: color,
    backgroundColor: color,
    tension: 0.2,
  });
  new Chart(canvas, {
    type: 'line',
    data: {
      labels: days.map((d) => d.day),
      datasets: [
        line('Delivery', 'delivery', '#2b7a78'),
        line('Open', 'open', '#3d5a98'),
        line('Click', 'click', '#c97c1a'),
        line('Conversion', 'conversion', '#b23a48'),
      ],
    },
    options: {
      // Drawn at once: people (and the browser test) read the chart as soon as the page is there.
      animation: false,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: { y: { min: 0, max: 1, ticks: { format: { style: 'percent' } } } },
    },
  });
})();
