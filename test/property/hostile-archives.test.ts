// Property: for an archive anyone could have rewritten (checksums recomputed), either
// verify or the restore planner refuses with a ZbakError, or every step of the plan,
// and every undo step, only touches what the restore owns (test/property/invariant.ts).
// Generated from genuine archives of a fake host (joyent on an image chain, kvm,
// bhyve), planned in-process against that host's recorded inventory; a sample also
// runs through the real CLI and the host is compared before and after.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSmartOS } from '../../scripts/lib/fake-smartos.js';
import { verifyArchive, type VerifiedArchive } from '../../src/archive/reader.js';
import { ZbakError } from '../../src/errors.js';
import { planRestore, type RestoreOptions } from '../../src/plan/restore-plan.js';
import { cloneModel, writeArchiveBytes, type ArchiveModel } from '../../scripts/lib/hostile/archive-model.js';
import { BASE_IMAGE, makeBases, OTHER_ZONE, WEBAPP_IMAGE, ZVOL_IMAGE, type Bases, type Inventory } from './base-archives.js';
import { allowedDataset, planViolations, type PlanContext } from './invariant.js';
import { anyMutation, applyMutation, families, type Mutation, type MutationContext } from '../../scripts/lib/hostile/mutations.js';
import { readBegin } from '../../scripts/lib/hostile/stream-begin.js';

const COPY_UUID = 'c0c0c0c0-aaaa-4bbb-8ccc-dddddddddddd';

// One seed per run, so CI judges the same archives every time; `npm run test:property:sweep`
// (ZBAK_PROPERTY_SEED=random) explores new ones and prints the seed of any failure to replay.
const SEED_ENV = process.env.ZBAK_PROPERTY_SEED ?? '20261202';
const SEED = SEED_ENV === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(SEED_ENV);
if (!Number.isSafeInteger(SEED)) throw new Error(`ZBAK_PROPERTY_SEED=${SEED_ENV}: expected an integer or "random"`);

let dir: string;
let bases: Bases;
let mctx: MutationContext;
let fileNo = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zbak-hostile-'));
  bases = await makeBases(dir);
  const by = (l: string): string => bases.archives.find((a) => a.label === l)!.uuid;
  mctx = {
    tokens: { other: OTHER_ZONE, joyent: by('joyent'), kvm: by('kvm'), bhyve: by('bhyve'), base: BASE_IMAGE, webapp: WEBAPP_IMAGE, zvol: ZVOL_IMAGE },
    // The foreign zone's snapshots first: index 0 is another zone's snapshot.
    hostGuids: bases.present.inv.rows
      .filter((r) => r.type === 'snapshot')
      .sort((a, b) => Number(b.name.startsWith(`zones/${OTHER_ZONE}@`)) - Number(a.name.startsWith(`zones/${OTHER_ZONE}@`)))
      .map((r) => r.guid),
  };
}); // a dozen zones, images and saves through the fake host's commands

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Case {
  base: number;
  target: 'deleted' | 'present' | 'fresh';
  opts: { force: boolean; copy: boolean; allowGlobalReach: boolean };
  mutations: Mutation[];
}

/** true about once in n draws (fc.boolean takes no frequency: it ignored the one given here). */
const oneIn = (n: number): fc.Arbitrary<boolean> => fc.integer({ min: 1, max: n }).map((k) => k === 1);

const caseOf = (mutation: fc.Arbitrary<Mutation>): fc.Arbitrary<Case> =>
  fc.record({
    base: fc.nat({ max: 2 }),
    target: fc.constantFrom('deleted' as const, 'present' as const, 'fresh' as const),
    opts: fc.record({ force: fc.boolean(), copy: oneIn(8), allowGlobalReach: oneIn(6) }),
    mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
  });

function build(c: Case): ArchiveModel {
  const m = cloneModel(bases.archives[c.base]!.model);
  for (const mu of c.mutations) applyMutation(m, mu, mctx);
  return m;
}

function restoreOptions(c: Case): RestoreOptions & { allowGlobalReach: boolean } {
  return { force: c.opts.force, ...(c.opts.copy ? { newUuid: COPY_UUID } : {}), allowGlobalReach: c.opts.allowGlobalReach };
}

/** vmadm.json as restore hands it to the planner: the verified, typed object once verify has one, else the parsed raw text (run/restore.ts). */
function restoreVm(v: VerifiedArchive): Record<string, unknown> {
  const typed = (v as VerifiedArchive & { vm?: Record<string, unknown> }).vm;
  return typed ?? (JSON.parse(v.vmadmJson) as Record<string, unknown>);
}

function contextOf(v: VerifiedArchive, inv: Inventory, c: Case): PlanContext {
  const have = new Set(inv.rows.filter((r) => r.type !== 'snapshot').map((r) => r.name));
  return {
    pool: 'zones',
    uuid: c.opts.copy ? COPY_UUID : v.header.zone.uuid,
    newImages: new Set(v.header.images.map((i) => i.uuid).filter((u) => !have.has(`zones/${u}`))),
    allowGlobalReach: c.opts.allowGlobalReach,
  };
}

/** What each received stream's first record tells zfs receive must be what the header (and so the plan) says. */
function beginViolations(m: ArchiveModel, v: VerifiedArchive, received: Set<string>): string[] {
  const out: string[] = [];
  for (const s of v.header.streams) {
    if (!received.has(s.id)) continue;
    const begin = readBegin(m.streams.get(s.id) ?? Buffer.alloc(0));
    const want = { toguid: s.snapshots[0]!.guid, fromguid: s.from?.guid ?? '0' };
    if (!begin) out.push(`stream ${s.id}: no BEGIN record zbak could have checked`);
    else if (begin.toguid !== want.toguid || begin.fromguid !== want.fromguid) {
      out.push(`stream ${s.id}: BEGIN says from ${begin.fromguid} to ${begin.toguid}, the header from ${want.fromguid} to ${want.toguid}`);
    }
  }
  return out;
}

type Outcome = { refused: ZbakError } | { verified: VerifiedArchive; violations: string[] };

/** Writes the archive, verifies it, plans it; a non-ZbakError escapes (that is a failure). */
async function judge(c: Case): Promise<Outcome> {
  const m = build(c);
  const file = join(dir, `gen-${fileNo++ % 4}.zbak`);
  await writeFile(file, writeArchiveBytes(m));
  const inv = bases[c.target].inv;
  try {
    const verified = await verifyArchive(file);
    const plan = planRestore(verified.header, restoreVm(verified), inv, restoreOptions(c), verified.imageManifests);
    const received = new Set(plan.steps.flatMap((s) => (s.op === 'receive' ? [s.streamId] : [])));
    return { verified, violations: [...planViolations(plan.steps, contextOf(verified, inv, c)), ...beginViolations(m, verified, received)] };
  } catch (err) {
    if (err instanceof ZbakError) return { refused: err };
    throw err;
  }
}

async function property(c: Case): Promise<void> {
  const o = await judge(c);
  if ('violations' in o && o.violations.length > 0) throw new Error(`plan accepted but:\n  ${o.violations.join('\n  ')}`);
}

const RUNS: Record<keyof typeof families, number> = {
  header: 200, streams: 250, images: 150, 'vmadm-shape': 30, 'vmadm-reach': 60, 'vmadm-fields': 150, manifests: 100, begin: 100,
};

describe('hostile but checksum-consistent archives', () => {
  it('genuine archives verify, plan and satisfy the invariant on both targets (the property can pass)', async () => {
    for (const [base] of bases.archives.entries()) {
      for (const target of ['deleted', 'present', 'fresh'] as const) {
        const o = await judge({ base, target, opts: { force: target === 'present', copy: false, allowGlobalReach: false }, mutations: [] });
        expect('violations' in o ? o.violations : o.refused.message).toEqual([]);
      }
    }
  });

  it('the invariant catches what it should (it can fail)', () => {
    const ctx: PlanContext = { pool: 'zones', uuid: mctx.tokens.joyent!, newImages: new Set(), allowGlobalReach: false };
    const step = (argv: string[], input?: string) => [{ kind: 'receive' as const, op: 'run' as const, what: 't', argv, ...(input ? { input } : {}) }];
    expect(planViolations(step(['zfs', 'receive', '-u', `zones/${OTHER_ZONE}`]), ctx)).toHaveLength(1);
    expect(planViolations(step(['zfs', 'destroy', '-r', `zones/${WEBAPP_IMAGE}`]), ctx)).toHaveLength(1);
    expect(planViolations(step(['zonecfg', '-z', ctx.uuid, 'select attr name=create-timestamp; set value=x; end']), ctx)).toHaveLength(1);
    expect(planViolations(step(['vmadm', 'create'], JSON.stringify({ uuid: ctx.uuid, fs_allowed: 'ufs' })), ctx)).toHaveLength(1);
    expect(allowedDataset(`zones/${ctx.uuid}-old`, ctx)).toBe(false);
    expect(allowedDataset(`zones/${ctx.uuid}/data`, ctx)).toBe(true);
  });

  for (const [i, [name, arb]] of (Object.entries(families) as Array<[keyof typeof families, fc.Arbitrary<Mutation>]>).entries()) {
    it(`${name}: verify or plan refuses (ZbakError), or the plan only touches the zone's own (${RUNS[name]} archives, seed ${SEED + i})`, async () => {
      await fc.assert(fc.asyncProperty(caseOf(arb), property), { numRuns: RUNS[name], endOnFailure: false, seed: SEED + i });
    });
  }

  it('a sample through the real CLI: a refusal changes nothing, a restore changes only allowed names', async () => {
    const sampled = fc.sample(caseOf(anyMutation), { numRuns: 6, seed: 20261201 });
    const v = (path: string, value: unknown): Mutation => ({ k: 'vmadm', path, value: value as never });
    const cases: Case[] = [
      { base: 0, target: 'deleted', opts: { force: false, copy: false, allowGlobalReach: false }, mutations: [v('tags.x', 'y')] },
      { base: 0, target: 'present', opts: { force: true, copy: false, allowGlobalReach: false }, mutations: [v('filesystems', [{ type: 'lofs', source: '/', target: '/host' }])] },
      { base: 0, target: 'deleted', opts: { force: false, copy: false, allowGlobalReach: false }, mutations: [{ k: 'begin', index: 2, field: 'fromguid', guid: { from: 'host', index: 0 } }] },
      { base: 1, target: 'deleted', opts: { force: false, copy: false, allowGlobalReach: false }, mutations: [v('disks', [{ path: '/dev/zvol/rdsk/zones/{other}-old', nocreate: true, model: 'virtio', boot: true }])] },
      ...sampled,
    ];
    const failures: string[] = [];
    for (const [i, c] of cases.entries()) {
      const problem = await throughCli(c, i);
      if (problem) failures.push(`${JSON.stringify(c)}\n    ${problem}`);
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });
});

/** zfs rows (name, guid, origin), VMs and imgadm files of a fake host, as name -> what. */
async function hostState(h: FakeSmartOS): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const zfs = await h.must(['zfs', 'list', '-H', '-p', '-t', 'all', '-o', 'name,guid,origin', '-r', 'zones']);
  for (const line of zfs.split('\n').filter(Boolean)) {
    const [name, guid, origin] = line.split('\t');
    out.set(name!, `${guid} origin=${origin}`);
  }
  const vms = JSON.parse(await h.must(['vmadm', 'lookup', '-j'])) as Array<{ uuid: string; alias?: string; brand?: string }>;
  for (const vm of vms) out.set(`vm:${vm.uuid}`, `${vm.alias} ${vm.brand}`);
  for (const f of await readdir(join(h.root, 'var/imgadm/images')).catch(() => [])) out.set(`imgadm:${f}`, '');
  return out;
}

/** Runs one case through `zbak restore` on a copy of the target host; returns what went wrong, if anything. */
async function throughCli(c: Case, i: number): Promise<string | undefined> {
  const m = build(c);
  const file = join(dir, `cli-${i}.zbak`);
  await writeFile(file, writeArchiveBytes(m));
  const h = new FakeSmartOS(join(dir, `cli-host-${i}`), 'host-a');
  await cp(bases[c.target].dir, h.dir, { recursive: true });
  const before = await hostState(h);
  const args = ['restore', file, ...(c.opts.force ? ['--force'] : []), ...(c.opts.copy ? ['--new-uuid', '--copy-uuid', COPY_UUID] : [])];
  // The dry run = real run check belongs to the e2e suite; here one run is enough.
  const r = await h.zbak(args, { ZBAK_PLAN_CHECK: '0' });
  const after = await hostState(h);
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
  await rm(h.dir, { recursive: true, force: true });
  if (/unexpected error|TypeError|at .*\.js:\d+/.test(r.stderr)) return `crashed (exit ${r.exitCode}): ${r.stderr.trim()}`;
  if (r.exitCode !== 0) return changed.length > 0 ? `refused (exit ${r.exitCode}: ${r.stderr.trim()}) but changed ${changed.join(', ')}` : undefined;
  const verified = await verifyArchive(file);
  const ctx = contextOf(verified, bases[c.target].inv, c);
  const bad = changed.filter((k) => {
    if (k.startsWith('vm:')) return k !== `vm:${ctx.uuid}`;
    if (k.startsWith('imgadm:')) return ![...ctx.newImages].some((u) => k === `imgadm:zones-${u}.json`);
    if (!allowedDataset(k, ctx)) return true;
    // A received dataset may be a clone of an image only, never of another zone's snapshot.
    const origin = /origin=(.*)$/.exec(after.get(k) ?? '')?.[1] ?? '-';
    const images = new Set(verified.header.images.map((x) => `zones/${x.uuid}@final`));
    return origin !== '-' && !images.has(origin) && !allowedDataset(origin, ctx) && !/^zones\/[0-9a-f-]{36}@final$/.test(origin);
  });
  return bad.length > 0 ? `restored (exit 0) but changed ${bad.map((k) => `${k} (${before.get(k)} -> ${after.get(k)})`).join(', ')}` : undefined;
}
