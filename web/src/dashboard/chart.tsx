// Read % over time as a uPlot step line, with a marker for each reminder round and the 24 hours
// after it shaded. uPlot draws into a canvas and positions its parts through CSSOM
// (element.style.*), which the page's CSP (style-src 'self') allows; the round markers are DOM
// elements inside uPlot's overlay, positioned the same way, so their labels are real text.
// Screen readers get the figure caption (a summary sentence) and an optional data table.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';  // the chart's own layout rules, gathered into app.css
import type { ReadHistory } from '../../../sdk/js/src/index.ts';
import { when } from '../util.ts';
import { DAY_MS, readSeries, readsAfterText, roundEffects, roundLabel, summarySentence, type RoundEffect } from './history.ts';
import { formatPercent } from './format.ts';

const formatDate = (iso: string) => when(iso, { full: true });

const HEIGHT = 260;

// Tick steps in seconds, from 1 s to 30 days: uPlot picks the smallest that leaves room, and
// the labels below have a precision to match (seconds only on charts spanning under an hour).
const TICK_STEPS = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600,
  86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400];
const timeSeconds = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const timeMinutes = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayMonth = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

function tickLabels(u: uPlot, splits: number[]): string[] {
  const span = (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0);
  const format = span < 3600 ? timeSeconds : span < 2 * 86400 ? timeMinutes : dayMonth;
  return splits.map((s) => format.format(new Date(s * 1000)));
}

// Markers for the rounds: a line, its label, and the shaded following 24 h (clipped to the plot).
function placeMarkers(u: uPlot, effects: RoundEffect[]) {
  u.over.querySelectorAll('.dash-round').forEach((el) => el.remove());
  const width = u.over.clientWidth;
  effects.forEach((effect, index) => {
    const left = u.valToPos(effect.at / 1000, 'x');
    if (!Number.isFinite(left) || left < 0 || left > width) return;
    const right = Math.min(u.valToPos((effect.at + DAY_MS) / 1000, 'x'), width);
    const marker = document.createElement('div');
    marker.className = effect.final ? 'dash-round dash-round-final' : 'dash-round';
    marker.dataset.round = String(effect.number);
    marker.style.left = `${left}px`;
    marker.style.width = `${Math.max(right - left, 2)}px`;
    const label = document.createElement('span');
    label.className = 'dash-round-label';
    label.textContent = `${roundLabel(effect)}: +${effect.readsAfter}`;
    // Alternate rows, so labels of rounds close together on a narrow chart do not overlap.
    label.style.top = `${2 + (index % 2) * 20}px`;
    marker.append(label);
    u.over.append(marker);
  });
}

function ChartCanvas({ history, now }: { history: ReadHistory; now: number }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const series = readSeries(history, now);
    const effects = roundEffects(history, now);
    // A canvas cannot use CSS variables: read the page's colours (styles.css, dashboard.css).
    const style = getComputedStyle(el);
    const color = (name: string) => style.getPropertyValue(name).trim();
    const accent = color('--accent');
    const axis = { stroke: color('--muted'), grid: { stroke: color('--line') } };
    const chart = new uPlot({
      width: Math.max(el.clientWidth, 240),
      height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: [0, 100] } },
      axes: [
        { ...axis, incrs: TICK_STEPS, space: 70, values: tickLabels },
        { ...axis, values: (_u, values) => values.map((v) => `${v}%`), size: 48 },
      ],
      series: [
        {},
        { label: 'Read %', stroke: accent, width: 2, points: { show: false }, fill: color('--chart-fill'), paths: uPlot.paths.stepped!({ align: 1 }) },
      ],
      hooks: { draw: [(u) => placeMarkers(u, effects)] },
    }, [series.xs, series.ys], el);
    // Follow the container's width (phone rotation, window resize).
    const observer = new ResizeObserver(() => {
      const width = Math.max(el.clientWidth, 240);
      if (width !== chart.width) chart.setSize({ width, height: HEIGHT });
    });
    observer.observe(el);
    return () => { observer.disconnect(); chart.destroy(); };
  }, [history, now]);
  return <div ref={host} class="dash-chart-canvas" aria-hidden="true" />;
}

function DataTable({ history }: { history: ReadHistory }) {
  const rows = [
    ...history.reads.map((p) => ({ at: p.at, what: `${p.read_count} read`, pct: formatPercent(history.recipients ? p.read_count / history.recipients * 100 : 0) })),
    ...history.rounds.map((r) => ({ at: r.at, what: `${roundLabel(r)} sent to ${r.reminded}`, pct: '' })),
  ].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return (
    <table class="dash-table dash-history-table">
      <caption class="sr-only">Reads and reminder rounds over time</caption>
      <thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Read %</th></tr></thead>
      <tbody>
        <tr><td>{formatDate(history.create_date)}</td><td>Sent to {history.recipients}</td><td>0%</td></tr>
        {rows.map((row, i) => <tr key={i}><td>{formatDate(row.at)}</td><td>{row.what}</td><td>{row.pct}</td></tr>)}
      </tbody>
    </table>
  );
}

export function ReadChart({ history, now }: { history: ReadHistory; now: number }) {
  const [showTable, setShowTable] = useState(false);
  const effects = roundEffects(history, now);
  return (
    <figure class="dash-chart" aria-labelledby="dash-chart-caption">
      <figcaption id="dash-chart-caption">
        <span class="dash-chart-title">Read % over time</span>
        <span class="dash-chart-summary">{summarySentence(history, now, (ms) => formatDate(new Date(ms).toISOString()))}</span>
      </figcaption>
      <ChartCanvas history={history} now={now} />
      {effects.length > 0 && (
        <ul class="dash-rounds" aria-label="Reminder rounds">
          {effects.map((effect) => (
            <li key={effect.number} class={effect.final ? 'dash-round-item dash-round-item-final' : 'dash-round-item'}>
              <strong>{roundLabel(effect)}</strong> — {formatDate(new Date(effect.at).toISOString())}, to {effect.reminded}:{' '}
              {readsAfterText(effect)}
            </li>
          ))}
        </ul>
      )}
      <button type="button" class="link-button" aria-expanded={showTable} onClick={() => setShowTable(!showTable)}>
        {showTable ? 'Hide the data table' : 'Show the data as a table'}
      </button>
      {showTable && <DataTable history={history} />}
    </figure>
  );
}
