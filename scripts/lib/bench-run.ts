// Running and timing the processes `npm run bench` compares (docs/BENCH.md).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { RECORD_SIZE, nextWriteLength, writeRecord } from '../../fakezfs/send-records.js';

export interface Timed {
  seconds: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

const KEEP = 64 * 1024; // of each output, for error messages

/** Keeps the last KEEP characters a child writes to `out` (decoded as UTF-8), for error messages. */
function keepTail(out: Readable): () => string {
  let kept = '';
  out.setEncoding('utf8');
  out.on('data', (c: string) => (kept = (kept + c).slice(-KEEP)));
  return () => kept;
}

/** Runs a command (argument array, no shell unless asked for) and times it from spawn to exit. */
export function timed(file: string, args: readonly string[], env: Record<string, string>): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = keepTail(child.stdout);
    const stderr = keepTail(child.stderr);
    child.on('error', reject);
    child.on('close', (code) => resolve({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, code, stdout: stdout(), stderr: stderr() }));
  });
}

/** `sh -c script sh args...`: for the raw side's redirections. */
export function timedShell(script: string, args: readonly string[], env: Record<string, string>): Promise<Timed> {
  return timed('/bin/sh', ['-c', script, 'sh', ...args], env);
}

export function mustSucceed(what: string, r: Timed): Timed {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.stderr.trim()}\n${r.stdout.trim()}`);
  return r;
}

/** Reads a file to /dev/null, so the timed run finds it in the page cache. */
export async function preRead(file: string): Promise<void> {
  mustSucceed(`pre-read ${file}`, await timedShell('cat "$1" >/dev/null', [file], { PATH: process.env.PATH ?? '/usr/bin:/bin' }));
}

/**
 * The middle of a send stream, `bytes` bytes: WRITE records of random MiB blocks, each stamped
 * with its number (no two alike). The stand-in zfs sends it between the fake's head (its
 * BEGIN records) and END records, so it is a whole stream that verify walks.
 */
export async function writeStreamFile(path: string, bytes: number): Promise<void> {
  const block = randomBytes(1024 * 1024);
  const fh = await open(path, 'w');
  try {
    for (let left = bytes, n = 0; left > 0; n++) {
      const len = nextWriteLength(left, block.length);
      writeRecord(len - RECORD_SIZE).copy(block);
      block.writeUInt32LE(n, 512);
      await fh.write(block, 0, len);
      left -= len;
    }
  } finally {
    await fh.close();
  }
}

/**
 * How far the medium may fall behind its rate and then catch up (a small write cache). Time it
 * sits idle beyond this is lost, as on a disk: it cannot write bytes before they arrive.
 */
const MEDIUM_SLACK_MS = 20;

/**
 * Runs a command whose stdout goes, at most `bytesPerSecond`, into `outFile` (then fsync): a
 * medium slower than the page cache, such as a USB disk, with its backpressure on the writer.
 * The rate is a token bucket holding at most MEDIUM_SLACK_MS of the medium's time, so a pause
 * before or between the writer's data (zbak's host commands) is not made up afterwards.
 */
export function timedToMedium(file: string, args: readonly string[], env: Record<string, string>, outFile: string, bytesPerSecond: number): Promise<Timed> {
  const t0 = process.hrtime.bigint();
  const elapsedMs = (): number => Number(process.hrtime.bigint() - t0) / 1e6;
  const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = keepTail(child.stderr);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const written = (async () => {
    const fh = await open(outFile, 'w');
    try {
      let done = 0; // ms after t0 when the medium will have written what it has been given
      for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
        const arrived = elapsedMs();
        await fh.write(chunk);
        done = Math.max(done, arrived - MEDIUM_SLACK_MS) + (chunk.length / bytesPerSecond) * 1e3;
        // Ahead of the medium: wait (the pipe, then the writer, waits with us).
        const due = done - elapsedMs();
        if (due > 0) await new Promise((r) => setTimeout(r, due));
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
  })();
  written.catch(() => child.kill()); // a medium that failed must not leave the writer blocked on a full pipe
  return Promise.all([exited, written]).then(([code]) => ({ seconds: elapsedMs() / 1e3, code, stdout: '', stderr: stderr() }));
}
