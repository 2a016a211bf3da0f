// One line of progress text, as a pure function of the counters, so the
// display can be tested without a terminal.
import { humanBytes } from '../model/bytes.js';

export { humanBytes };

/** 75 -> "1:15", 3725 -> "1:02:05". */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

export interface ProgressState {
  label: string;
  /** Bytes done. */
  value: number;
  /** Bytes expected; undefined or 0 when not known. */
  total: number | undefined;
  elapsedMs: number;
}

const BAR_WIDTH = 24;

/**
 * "s02 zones/<uuid>  [#########...........]  38%  1.2 GiB / 3.1 GiB  95.0 MiB/s  ETA 0:20".
 * Without a total: label, bytes and rate. An estimate that turns out low shows 99%, not 130%.
 */
export function progressLine(p: ProgressState): string {
  const secs = p.elapsedMs / 1000;
  const rate = secs > 0 ? p.value / secs : 0;
  const rateText = `${humanBytes(Math.round(rate))}/s`;
  if (!p.total) return `${p.label}  ${humanBytes(p.value)}  ${rateText}`;
  const done = p.value >= p.total;
  const frac = done ? (p.value === p.total ? 1 : 0.99) : p.value / p.total;
  const filled = Math.round(frac * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  const eta = rate > 0 && !done ? `  ETA ${clock((p.total - p.value) / rate)}` : '';
  return `${p.label}  ${bar} ${pct}  ${humanBytes(p.value)} / ${humanBytes(Math.max(p.total, p.value))}  ${rateText}${eta}`;
}
