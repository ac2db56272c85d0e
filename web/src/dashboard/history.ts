// Read history → what the chart and its text alternative show. Pure functions (no DOM), so the
// numbers in the summary sentence are the ones drawn.
import type { ReadHistory } from '../../../sdk/js/src/index.ts';

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface Series {
  // Seconds since the epoch (uPlot's time scale) and read % at each point.
  xs: number[];
  ys: number[];
}

export interface RoundEffect {
  number: number;
  final: boolean;
  at: number;        // ms
  reminded: number;  // recipients the round went to
  readsAfter: number;  // reads in the 24 h that followed (so far, if the window is still open)
  windowOpen: boolean;
}

function percent(count: number, recipients: number): number {
  return recipients > 0 ? (count / recipients) * 100 : 0;
}

// Cumulative reads at `t` (ms): the last point at or before it.
export function readsAt(history: ReadHistory, t: number): number {
  let count = 0;
  for (const point of history.reads) {
    if (Date.parse(point.at) <= t) count = point.read_count;
    else break;
  }
  return count;
}

// A step line: 0 % at the send, a step at each read, flat until `now`.
export function readSeries(history: ReadHistory, now: number): Series {
  const start = Date.parse(history.create_date);
  const xs = [start / 1000];
  const ys = [0];
  for (const point of history.reads) {
    const t = Math.max(Date.parse(point.at), start) / 1000;
    xs.push(t);
    ys.push(percent(point.read_count, history.recipients));
  }
  const last = ys[ys.length - 1];
  xs.push(Math.max(now / 1000, xs[xs.length - 1]));
  ys.push(last);
  return { xs, ys };
}

export function roundEffects(history: ReadHistory, now: number): RoundEffect[] {
  return history.rounds.map((round) => {
    const at = Date.parse(round.at);
    const end = at + DAY_MS;
    return {
      number: round.number,
      final: round.final,
      at,
      reminded: round.reminded,
      readsAfter: readsAt(history, Math.min(end, now)) - readsAt(history, at),
      windowOpen: now < end,
    };
  });
}

export function roundLabel(round: { number: number; final: boolean }): string {
  return round.final ? 'Final' : `Reminder ${round.number}`;
}

export function readsAfterText(effect: RoundEffect): string {
  const reads = `+${effect.readsAfter} read${effect.readsAfter === 1 ? '' : 's'}`;
  return effect.windowOpen ? `${reads} so far in the following 24 h` : `${reads} in the following 24 h`;
}

// The chart's text alternative: where the read % stands, and what each reminder round did.
export function summarySentence(history: ReadHistory, now: number, formatDate: (ms: number) => string): string {
  const reads = history.reads.length ? history.reads[history.reads.length - 1].read_count : 0;
  const pct = percent(reads, history.recipients);
  const parts = [
    `Read by ${reads} of ${history.recipients} recipient${history.recipients === 1 ? '' : 's'} (${pct.toFixed(1)} %) since it was sent on ${formatDate(Date.parse(history.create_date))}.`,
  ];
  if (history.reads.length > 0) {
    const first = Date.parse(history.reads[0].at);
    parts.push(`The first read came on ${formatDate(first)}.`);
  }
  for (const effect of roundEffects(history, now)) {
    parts.push(`${roundLabel(effect)} went to ${effect.reminded} on ${formatDate(effect.at)}: ${readsAfterText(effect)}.`);
  }
  return parts.join(' ');
}
