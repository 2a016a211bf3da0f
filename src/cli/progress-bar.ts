// The terminal side of run/progress.ts: a cli-progress bar on stderr, redrawn
// in place on a terminal. Off by default when stderr is not a terminal (cron
// mail stays clean); --progress forces it, one line every few seconds.
import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import type { Progress } from '../run/progress.js';
import { progressLine } from './progress-line.js';
import { printableLines } from '../model/printable.js';

export interface ProgressDisplay extends Progress {
  /** Prints a log line without tearing the bar. */
  log(line: string): void;
}

// Loaded only when a bar is drawn (most runs are cron's, without one).
const requireLazily = createRequire(import.meta.url);

export function progressDisplay(out: NodeJS.WriteStream, wanted: boolean | undefined): ProgressDisplay {
  const tty = out.isTTY === true;
  if (!(wanted ?? tty)) return { enabled: false, start() {}, add() {}, stop() {}, log: (line) => void out.write(`${printableLines(line)}\n`) };

  let bar: cliProgress.SingleBar | null = null;
  let label = '';
  let total: number | undefined;
  let value = 0;
  let started = 0;
  const format = (): string => progressLine({ label, value, total, elapsedMs: Date.now() - started });
  return {
    enabled: true,
    start(l, t) {
      this.stop();
      [label, total, value, started] = [printableLines(l), t, 0, Date.now()];
      const bars = requireLazily('cli-progress') as typeof cliProgress;
      bar = new bars.SingleBar({
        stream: out,
        format,
        fps: 5,
        hideCursor: tty,
        linewrap: false,
        noTTYOutput: !tty,
        notTTYSchedule: 5_000,
        clearOnComplete: !tty, // off a terminal every draw already ends its line
      });
      bar.start(t ?? 0, 0);
    },
    add(bytes) {
      value += bytes;
      bar?.increment(bytes);
    },
    stop(completed) {
      if (!bar) return;
      if (completed && value > 0) {
        total = value;
        bar.setTotal(value);
      }
      bar.stop(); // draws the final figures, then ends the line
      bar = null;
    },
    log(rawLine) {
      const line = printableLines(rawLine);
      if (!bar || !tty) return void out.write(`${line}\n`);
      out.write(`\r\x1b[2K${line}\n`);
      bar.render();
    },
  };
}
