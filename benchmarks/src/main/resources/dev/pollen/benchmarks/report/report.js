// Draws the report's charts from its embedded data (the table is plain HTML and needs no script).
'use strict';
(function () {
  const data = JSON.parse(document.getElementById('data').textContent);
  const charts = [];
  window.pollenReport = { data: data, charts: charts };
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false;

  const rows = data.comparisons.filter(function (c) { return c.error === undefined; });
  const label = function (c) { return c.title.length > 60 ? c.title.slice(0, 57) + '...' : c.title; };
  const colour = function (c) {
    return c.met === true ? '#2e7d32' : c.met === false ? '#c62828' : '#5b7fa6';
  };
  const ratioCanvas = document.getElementById('ratios');
  ratioCanvas.parentElement.style.height = (90 + 38 * rows.length) + 'px';
  const lows = rows.map(function (c) { return Math.min(c.speedupLow, c.speedup); });
  const highs = rows.map(function (c) { return Math.max(c.speedupHigh, c.speedup); });
  charts.push(new Chart(ratioCanvas, {
    type: 'bar',
    data: {
      labels: rows.map(function (c) { return [label(c), 'vs ' + c.peer]; }),
      datasets: [{
        label: '95 % interval',
        data: rows.map(function (c) { return [c.speedupLow, c.speedupHigh]; }),
        backgroundColor: 'rgba(29, 36, 48, 0.25)',
        barPercentage: 0.35,
        grouped: false,
        order: 0
      }, {
        label: 'speed-up (peer time / Pollen time)',
        // bars grow from parity (1): right of it Pollen is faster, left of it slower
        data: rows.map(function (c) { return [1, c.speedup]; }),
        backgroundColor: rows.map(colour),
        barPercentage: 0.8,
        grouped: false,
        order: 1
      }]
    },
    options: {
      indexAxis: 'y',
      maintainAspectRatio: false,
      scales: {
        x: { type: 'logarithmic', min: Math.min(0.5, 0.8 * Math.min.apply(null, lows.concat([1]))),
          max: Math.max(2, 1.25 * Math.max.apply(null, highs.concat([1]))),
          // 1-2-5 ticks only: a log axis over two decades would otherwise label every integer
          ticks: { callback: function (v) {
            const m = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
            return [1, 2, 5].some(function (k) { return Math.abs(m - k) < 1e-6; }) ? v + '×' : '';
          } },
          title: { display: true, text: 'speed-up, log scale (1 = as fast as the peer)' } },
        y: { ticks: { autoSkip: false, font: { size: 10 } } }
      },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: { callbacks: { label: function (item) {
          const c = rows[item.dataIndex];
          return item.datasetIndex === 0 ? '95 % interval ' + c.speedupLow + '–' + c.speedupHigh + '×'
            : 'speed-up ' + c.speedup + '×';
        }, afterBody: function (items) {
          const c = rows[items[0].dataIndex];
          return (c.goal ? 'target ' + c.goal + ': ' + (c.met ? 'met' : 'missed') : 'for information')
            + '\n' + c.benchmark;
        } } }
      }
    }
  }));

  const latency = document.getElementById('latency');
  if (latency && data.latency) {
    const labels = Object.keys(data.latency.subjects[0].micros);
    const palette = ['#0072b2', '#d55e00', '#009e73', '#cc79a7'];
    charts.push(new Chart(latency, {
      type: 'line',
      data: {
        labels: labels.map(function (p) { return p === 'max' ? 'max' : 'p' + p; }),
        datasets: data.latency.subjects.map(function (s, i) {
          return { label: s.name + ' (' + s.requests.toLocaleString() + ' requests)',
            data: labels.map(function (p) { return s.micros[p]; }), borderColor: palette[i % palette.length],
            backgroundColor: palette[i % palette.length], tension: 0 };
        })
      },
      options: {
        maintainAspectRatio: false,
        scales: {
          y: { type: 'logarithmic', title: { display: true, text: 'latency from due time, µs (log scale)' } },
          x: { title: { display: true, text: 'percentile' } }
        },
        plugins: { legend: { position: 'bottom' } }
      }
    }));
  }
}());
