// zfs receive: reads records one at a time into a staging directory (no
// lock held while streaming), then checks and commits each under the lock.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ZfsError } from './errors.js';
import { type FakeEnv, tmpDir } from './env.js';
import { getopt, has, usageError, values } from './getopt.js';
import { parsePropArgs } from './propargs.js';
import { checkValue, findProp, isUserProp } from './props.js';
import { dieAfter } from './inject.js';
import { mountAll } from './mount.js';
import { nameProblem } from './names.js';
import { nicebytes } from './nicenum.js';
import { commitRecord } from './recv-commit.js';
import { type RecvOptions, destinationSnap, planRecord } from './recv-plan.js';
import { stageRecord } from './recv-stage.js';
import { Space } from './space.js';
import { mutate, readState } from './state.js';
import { type Begin, BeginSchema, FrameReader, MAGIC, StreamIoError } from './stream.js';
import { RecordWalk, type SubstreamBegin, readSubstreamBegin } from './send-records.js';

const USAGE =
  '\treceive [-vMnsFhu] [-o <property>=<value>] ... [-x <property>] ...\n' +
  '\t    <filesystem|volume|snapshot>\n' +
  '\treceive [-vMnsFhu] [-o <property>=<value>] ... [-x <property>] ... \n' +
  '\t    [-d | -e] <filesystem>\n' +
  '\treceive -A <filesystem|volume>';

/**
 * Real zfs acts on the DRR_BEGIN record, so the first record's identity (GUIDs, name,
 * clone flag) comes from it, not from the fake's own B frame; only the type must agree.
 */
function withRealBegin(begin: Begin, real: SubstreamBegin): Begin {
  if (begin.type !== real.type) throw new ZfsError('cannot receive: invalid backup stream\n');
  return { ...begin, toguid: real.toguid, fromguid: real.fromguid, toname: real.toname, clone: real.clone };
}

function errbufOf(begin: Begin): string {
  return begin.fromguid === '0' || begin.clone ? 'cannot receive new filesystem stream' : 'cannot receive incremental stream';
}

interface Flags {
  verbose: boolean;
  nomount: boolean;
  dryrun: boolean;
}

async function receiveAll(env: FakeEnv, opts: RecvOptions, flags: Flags): Promise<void> {
  const { verbose, nomount, dryrun } = flags;
  const reader = new FrameReader(process.stdin, dieAfter('ZBAK_FAKE_RECEIVE_DIE_AFTER'));
  const real = await readSubstreamBegin(reader);
  reader.inRecords(new RecordWalk(real.compound));
  const magic = await reader.payload(MAGIC.length);
  if (!magic) throw new ZfsError('cannot receive: failed to read from stream\n');
  if (!magic.equals(MAGIC)) throw new ZfsError('cannot receive: invalid stream (bad magic number)\n');
  const toMount: string[] = [];
  const started = Date.now();
  for (let first = true, more = true; more; first = false) {
    const f = await reader.next();
    if (!f) throw new ZfsError('cannot receive: failed to read from stream\n');
    if (f.type !== 'B') throw new ZfsError('cannot receive: invalid backup stream\n');
    const framed = BeginSchema.parse(JSON.parse(f.payload.toString('utf8')));
    const begin = first ? withRealBegin(framed, real) : framed;
    // zfs_setup_cmdline_props(): -o/-x of a property the stream's dataset type does not have
    // fails a non-recursive receive (origin is handled elsewhere; user properties apply to all).
    for (const k of [...Object.keys(opts.override), ...opts.exclude]) {
      const def = findProp(k);
      if (def && def.name !== 'origin' && !def.types.includes(begin.type)) {
        throw new ZfsError(`${errbufOf(begin)}: property '${k}' does not apply to datasets of this type\n`);
      }
    }
    const now = readState(env);
    const plan = planRecord(now, new Space(env, now), begin, opts);
    if (verbose) {
      if (plan.kind === 'new' && plan.originName) process.stdout.write(`found clone origin ${plan.originName}\n`);
      const kind = begin.fromguid === '0' ? 'full' : 'incremental';
      const verb = dryrun ? 'would receive' : 'receiving';
      process.stdout.write(`${verb} ${kind} stream of ${begin.toname} into ${destinationSnap(begin, opts)}\n`);
    }
    const stage = join(tmpDir(env), randomUUID());
    try {
      const res = await stageRecord(reader, stage);
      if (res === 'truncated') throw new ZfsError(`${errbufOf(begin)}: incomplete stream\n`);
      if (res === 'checksum') throw new ZfsError(`${errbufOf(begin)}: checksum mismatch\n`);
      if (res === 'invalid') throw new ZfsError(`${errbufOf(begin)}: invalid backup stream\n`);
      // A substream is received at its END record; after the last, what follows is left unread.
      const after = await reader.endSubstream();
      if (after === undefined) throw new ZfsError(`${errbufOf(begin)}: incomplete stream\n`);
      more = after === 'more';
      if (dryrun) continue;
      const mountLater = await mutate(env, (state) => {
        const again = planRecord(state, new Space(env, state), begin, opts);
        return commitRecord(env, state, again, begin, stage, opts);
      });
      toMount.push(...mountLater);
      if (plan.kind === 'skip' && verbose) process.stdout.write(`snap ${plan.snap} already exists; ignoring\n`);
    } catch (e) {
      if (e instanceof StreamIoError) throw new ZfsError(`${errbufOf(begin)}: I/O error\n`);
      throw e;
    } finally {
      rmSync(stage, { recursive: true, force: true });
    }
  }
  if (verbose) {
    const secs = Math.max(1, Math.round((Date.now() - started) / 1000));
    process.stdout.write(`received ${nicebytes(reader.read)} stream in ${secs} seconds (${nicebytes(Math.floor(reader.read / secs))}/sec)\n`);
  }
  if (!nomount && toMount.length > 0) await mutate(env, (state) => mountAll(env, state, toMount));
}

export async function zfsReceive(env: FakeEnv, argv: readonly string[]): Promise<number> {
  const spec = { short: 'vMnsFhuAdeo:x:', usage: USAGE };
  const p = getopt(argv, spec);
  if (has(p, 'd') && has(p, 'e')) usageError(spec, 'invalid option');
  if (p.args.length === 0) usageError(spec, 'missing snapshot argument');
  if (p.args.length > 1) usageError(spec, 'too many arguments');
  const target = p.args[0] ?? '';
  const why = nameProblem(target, 'any');
  if (why) throw new ZfsError(`cannot receive: ${why}\n`);
  if (process.stdin.isTTY) {
    throw new ZfsError('Error: Backup stream can not be read from a terminal.\nYou must redirect standard input.\n');
  }
  const override: Record<string, string> = {};
  for (const [k, v] of parsePropArgs(values(p, 'o'))) {
    const def = findProp(k);
    if (!def && !isUserProp(k)) throw new ZfsError(`cannot receive: invalid property '${k}'\n`);
    const c = def ? checkValue(def, v) : { ok: true as const, value: v };
    if (!c.ok) throw new ZfsError(`cannot receive: ${c.why}\n`);
    override[def?.name ?? k] = c.value;
  }
  const opts: RecvOptions = {
    target,
    force: has(p, 'F'),
    mode: has(p, 'd') ? 'd' : has(p, 'e') ? 'e' : 'exact',
    override,
    exclude: values(p, 'x'),
  };
  try {
    await receiveAll(env, opts, { verbose: has(p, 'v'), nomount: has(p, 'u'), dryrun: has(p, 'n') });
  } catch (e) {
    if (e instanceof StreamIoError) throw new ZfsError('cannot receive: I/O error\n');
    throw e;
  } finally {
    // Stop reading so the process can exit; a sender still writing gets EPIPE.
    process.stdin.destroy();
  }
  return 0;
}
