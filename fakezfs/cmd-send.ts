// zfs send: writes the fake stream (see stream.ts) to stdout, streaming
// files in 1 MiB frames so memory stays bounded whatever their size.
import { createReadStream, fstatSync, lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ZfsError } from './errors.js';
import { type FakeEnv, snapDir, snapVolFile } from './env.js';
import { getopt, has, last, usageError } from './getopt.js';
import { dieAfter } from './inject.js';
import { nicebytes } from './nicenum.js';
import { SEND_USAGE, type SendRecord, planFull, planIncremental, planRange } from './send-plan.js';
import { isUserProp } from './props.js';
import { type State, readState } from './state.js';
import { type Begin, CHUNK, FrameWriter, MAGIC, StreamIoError } from './stream.js';
import { splitSnap } from './names.js';
import { SEND_FEATURE, compoundHeader, endRecord, substreamBegin, writeRecord } from './send-records.js';

const LONG = { props: 'p', compressed: 'c', verbose: 'v', dryrun: 'n', parsable: 'P', raw: 'w', 'large-block': 'L', embed: 'e', replicate: 'R' };

async function writeFile(w: FrameWriter, path: string): Promise<void> {
  // Quarter-size reads keep fewer large buffers alive between collections.
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK / 4 })) {
    await w.frame('d', chunk as Buffer);
  }
}

async function writeTree(w: FrameWriter, dir: string, rel = ''): Promise<void> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const path = rel === '' ? name : `${rel}/${name}`;
    const st = lstatSync(p);
    const meta = { path, mode: st.mode & 0o7777, mtime: st.mtimeMs };
    if (st.isDirectory()) {
      await w.json('D', meta);
      await writeTree(w, p, path);
    } else if (st.isSymbolicLink()) {
      await w.json('L', { ...meta, target: readlinkSync(p) });
    } else if (st.isFile()) {
      await w.json('F', { ...meta, size: st.size });
      await writeFile(w, p);
    }
  }
}

function beginOf(state: State, rec: SendRecord, withProps: boolean): Begin {
  const snap = state.objects[rec.to];
  const ds = state.objects[splitSnap(rec.to)[0]];
  if (!snap || !ds || ds.type === 'snapshot') throw new ZfsError(`cannot open '${rec.to}': dataset does not exist\n`);
  const props: Record<string, string> = {};
  for (const [k, v] of Object.entries(ds.props)) if (k !== 'volsize') props[k] = v.value;
  const snapprops: Record<string, string> = {};
  for (const [k, v] of Object.entries(snap.props)) if (isUserProp(k)) snapprops[k] = v.value;
  return {
    toguid: snap.guid,
    fromguid: rec.from === undefined ? '0' : (state.objects[rec.from]?.guid ?? '0'),
    toname: rec.to,
    fromname: rec.from,
    type: ds.type,
    clone: rec.clone,
    creation: snap.creation,
    ...(withProps ? { props, snapprops } : {}),
    volsize: ds.props['volsize']?.value,
    volblocksize: ds.props['volblocksize']?.value,
  };
}

/**
 * What real zfs writes first: the compound header (-p, -I), then the first substream BEGIN;
 * then the fake's magic in a WRITE record of its own.
 */
function realHead(first: Begin, compound: boolean, withProps: boolean, to: string, features: number): Buffer {
  const sub = substreamBegin(first, false, features);
  const magic = [writeRecord(MAGIC.length), MAGIC];
  if (!compound) return Buffer.concat([sub, ...magic]);
  // Real zfs packs an XDR nvlist (fromsnap, tosnap, fss) here; only its length matters to readers.
  const nvlist = withProps ? Buffer.from(JSON.stringify({ fromsnap: first.fromname, tosnap: to })) : Buffer.alloc(0);
  return Buffer.concat([compoundHeader(to, nvlist), sub, ...magic]);
}

function estimate(env: FakeEnv, state: State, rec: SendRecord): number {
  const o = state.objects[rec.to];
  if (!o) return 0;
  const ds = state.objects[splitSnap(rec.to)[0]];
  if (ds?.type === 'volume') return statSync(snapVolFile(env, o.id)).size + 1024;
  let total = 1024;
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const st = lstatSync(join(d, n));
      total += 64 + n.length + (st.isDirectory() ? 0 : st.size);
      if (st.isDirectory()) walk(join(d, n));
    }
  };
  walk(snapDir(env, o.id));
  return total;
}

function describe(env: FakeEnv, state: State, records: readonly SendRecord[], parsable: boolean): string {
  let text = '';
  let total = 0;
  for (const r of records) {
    const size = estimate(env, state, r);
    total += size;
    const fromShort = r.from === undefined ? undefined : r.clone ? r.from : `@${splitSnap(r.from)[1]}`;
    if (parsable) text += r.from === undefined || r.clone ? `full\t${r.to}\t${size}\n` : `incremental\t${splitSnap(r.from)[1]}\t${r.to}\t${size}\n`;
    else if (fromShort === undefined) text += `full send of ${r.to} estimated size is ${nicebytes(size)}\n`;
    else text += `send from ${fromShort} to ${r.to} estimated size is ${nicebytes(size)}\n`;
  }
  text += parsable ? `size\t${total}\n` : `total estimated size is ${nicebytes(total)}\n`;
  return text;
}

/** is_dev_nullzero() of zfs_main.c: stdout is /dev/null or /dev/zero (char device 1,3 or 1,5). */
function isDevNullOrZero(): boolean {
  try {
    const st = fstatSync(1);
    return st.isCharacterDevice() && (st.rdev === 0x103 || st.rdev === 0x105);
  } catch {
    return false;
  }
}

export async function zfsSend(env: FakeEnv, argv: readonly string[]): Promise<number> {
  const spec = { short: 'DLPRbcehnpsvwi:I:t:', long: LONG, usage: SEND_USAGE };
  const p = getopt(argv, spec);
  if (has(p, 'R') || has(p, 't')) usageError(spec, 'fakezfs: -R and -t are not simulated');
  if (p.args.length === 0) usageError(spec, 'missing snapshot argument');
  if (p.args.length > 1) usageError(spec, 'too many arguments');
  const to = p.args[0] ?? '';
  const dry = has(p, 'n');
  if (!dry && process.stdout.isTTY) {
    throw new ZfsError('Error: Stream can not be written to a terminal.\nYou must redirect standard output.\n');
  }
  const state = readState(env);
  const inc = last(p, 'i');
  const range = last(p, 'I');
  const records = range !== undefined
    ? planRange(state, to, range)
    : inc !== undefined
      ? planIncremental(state, to, inc, (s) => process.stderr.write(s))
      : planFull(state, to);
  if (has(p, 'v') || has(p, 'P') || dry) {
    const text = describe(env, state, records, has(p, 'P'));
    (dry ? process.stdout : process.stderr).write(text);
  }
  if (dry) return 0;
  if (isDevNullOrZero()) {
    // Linux cannot splice a send stream into /dev/null: EINVAL, then zfs's note.
    throw new ZfsError(
      `warning: cannot send '${to}': Invalid argument\n` +
        'Error: Writing directly to /dev/{null,zero} files on certain kernels is not currently implemented.\n' +
        '(As a workaround, try "zfs send [...] | cat > /dev/null")\n',
    );
  }
  const features =
    (has(p, 'e') ? SEND_FEATURE.embed : 0) | (has(p, 'c') ? SEND_FEATURE.compressed : 0) | (has(p, 'e') || has(p, 'c') ? SEND_FEATURE.lz4 : 0);
  const w = new FrameWriter(process.stdout, dieAfter('ZBAK_FAKE_SEND_DIE_AFTER'));
  // EPIPE arrives as an error event; the writer notices the destroyed stream.
  process.stdout.on('error', () => undefined);
  // libzfs writes a compound header, and a final END after the substreams, with -p or -I.
  const compound = has(p, 'p') || range !== undefined;
  try {
    for (const [i, r] of records.entries()) {
      const begin = beginOf(state, r, has(p, 'p'));
      if (i === 0) await w.raw(realHead(begin, compound, has(p, 'p'), to, features));
      else await w.raw(substreamBegin(begin, false, features));
      const o = state.objects[r.to];
      await w.json('B', begin);
      if (begin.type === 'volume') {
        await w.json('V', { size: statSync(snapVolFile(env, o?.id ?? '')).size });
        await writeFile(w, snapVolFile(env, o?.id ?? ''));
      } else await writeTree(w, snapDir(env, o?.id ?? ''));
      await w.end();
      await w.raw(endRecord());
    }
    if (compound) await w.raw(endRecord());
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!(e instanceof StreamIoError) && code !== 'EPIPE' && code !== 'ABORT_ERR') throw e;
    const why = e instanceof StreamIoError ? e.message : 'Broken pipe';
    throw new ZfsError(`warning: cannot send '${to}': ${why}\n`);
  }
  return 0;
}
