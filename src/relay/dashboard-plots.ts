// The dashboard's line charts, as a script the page inlines: swPlot(canvas, chart) draws per-second series on a
// canvas (time along x, from `from` to `to`; values up y from 0 to a round maximum), each second as a step so a
// single second shows too, with a legend giving each line's latest value. Plain canvas 2D: no dependency.

/** The script's source: defines window.swPlot. */
export const DASHBOARD_PLOTS = `
(() => {
  const round = (max) => {
    if (!(max > 0)) return 1;
    const step = 10 ** Math.floor(Math.log10(max));
    for (const m of [1, 2, 2.5, 5, 10]) if (max <= m * step) return m * step;
    return 10 * step;
  };
  const fmt = (v) => (v == null ? '–' : v >= 100 ? String(Math.round(v)) : v >= 10 ? v.toFixed(1) : v.toFixed(2).replace(/\\.?0+$/, '') || '0');
  // chart: { from, to (ms), unit, lines: [{ label, color, dash, points: [[t, value or null], ...] }] }
  window.swPlot = (canvas, chart) => {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) { canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr); }
    const g = canvas.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = '#fff';
    g.fillRect(0, 0, w, h);
    const left = 46, right = 10, top = 26, bottom = 20;
    let max = 0;
    for (const line of chart.lines) for (const [t, v] of line.points) if (v != null && t >= chart.from && v > max) max = v;
    max = round(max);
    const x = (t) => left + ((t - chart.from) / (chart.to - chart.from)) * (w - left - right);
    const y = (v) => h - bottom - (v / max) * (h - top - bottom);
    g.font = '11px system-ui, sans-serif';
    g.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4;
      g.strokeStyle = '#eef0f4';
      g.beginPath(); g.moveTo(left, y(v)); g.lineTo(w - right, y(v)); g.stroke();
      g.fillStyle = '#5b6475';
      g.fillText(fmt(v) + (i === 4 && chart.unit ? ' ' + chart.unit : ''), 4, y(v) + 4);
    }
    for (let s = 0; s <= (chart.to - chart.from) / 1000; s += 30) {
      const t = chart.to - s * 1000;
      g.fillText(s === 0 ? 'now' : '−' + s + ' s', x(t) - (s === 0 ? 18 : 14), h - 5);
    }
    g.lineWidth = 1.6;
    for (const line of chart.lines) {
      g.strokeStyle = line.color;
      g.setLineDash(line.dash ? [5, 3] : []);
      g.beginPath();
      let pen = false;
      for (const [t, v] of line.points) {
        if (v == null || t < chart.from) { pen = false; continue; }
        const x0 = x(t), x1 = Math.min(x(t + 1000), w - right), yv = y(v);
        if (pen) g.lineTo(x0, yv); else g.moveTo(x0, yv);
        g.lineTo(x1, yv);
        pen = true;
      }
      g.stroke();
    }
    g.setLineDash([]);
    let lx = left;
    for (const line of chart.lines) {
      const last = [...line.points].reverse().find(([, v]) => v != null);
      const text = line.label + ' ' + (last ? fmt(last[1]) : '–');
      g.fillStyle = line.color;
      g.fillRect(lx, 9, 12, 3);
      g.fillStyle = '#1d2330';
      g.fillText(text, lx + 16, 14);
      lx += g.measureText(text).width + 30;
    }
  };
})();
`;
