// Space accounting from content: deterministic and plausible, not exact.
// A file counts as the same block across head, snapshots and origin when its
// path, size and mtime match. referenced = base + files; a snapshot's used =
// files only it holds; a dataset's used = every distinct file of its head and
// snapshots not inherited from its origin, plus its children.
import { readFileSync, statSync } from 'node:fs';
import { type FakeEnv, manifestFile, volFile } from './env.js';
import { resolve } from './inherit.js';
import { childrenOf, originName, snapshotsOf } from './model.js';
import { liveDir, nestedMounts } from './mount.js';
import { splitSnap } from './names.js';
import type { State } from './state.js';
import { type ManifestEntry, scanTree } from './tree.js';

/** Every fake pool's size: 100 GiB, or $ZBAK_FAKE_POOL_SIZE bytes (tests of a full pool). */
export const POOL_SIZE = BigInt(process.env['ZBAK_FAKE_POOL_SIZE'] ?? 100n * 1024n ** 3n);
const FS_BASE = 24576;
const VOL_BASE = 6144;

type Blocks = Map<string, number>;

function roundUp(n: number): number {
  return Math.ceil(n / 512) * 512;
}

function toBlocks(entries: readonly ManifestEntry[]): Blocks {
  const m: Blocks = new Map();
  for (const [p, size, mtime] of entries) m.set(`${p}\0${size}\0${mtime}`, roundUp(size));
  return m;
}

function sumNotIn(a: Blocks, ...others: Array<Blocks | undefined>): number {
  let total = 0;
  for (const [k, v] of a) if (!others.some((o) => o?.has(k))) total += v;
  return total;
}

/** Entries describing a volume's bytes: one entry, allocated size. */
export function volumeEntries(path: string): ManifestEntry[] {
  try {
    const st = statSync(path);
    return [['', Math.min(st.size, st.blocks * 512), Math.floor(st.mtimeMs)]];
  } catch {
    return [];
  }
}

/** Per-invocation space calculator; caches manifests and results. */
export class Space {
  private blocks = new Map<string, Blocks>();
  private usedCache = new Map<string, bigint>();

  constructor(
    private env: FakeEnv,
    private state: State,
  ) {}

  private base(name: string): number {
    return this.state.objects[name]?.type === 'volume' || this.isVolSnap(name) ? VOL_BASE : FS_BASE;
  }

  private isVolSnap(name: string): boolean {
    return name.includes('@') && this.state.objects[splitSnap(name)[0]]?.type === 'volume';
  }

  blocksOf(name: string): Blocks {
    const hit = this.blocks.get(name);
    if (hit) return hit;
    const o = this.state.objects[name];
    let entries: ManifestEntry[] = [];
    if (o?.type === 'snapshot') {
      try {
        entries = JSON.parse(readFileSync(manifestFile(this.env, o.id), 'utf8')) as ManifestEntry[];
      } catch {
        entries = [];
      }
    } else if (o?.type === 'volume') {
      entries = volumeEntries(volFile(this.env, name));
    } else if (o) {
      entries = scanTree(liveDir(this.env, this.state, name), nestedMounts(this.env, this.state, name));
    }
    const b = toBlocks(entries);
    this.blocks.set(name, b);
    return b;
  }

  referenced(name: string): bigint {
    return BigInt(this.base(name) + sumNotIn(this.blocksOf(name)));
  }

  /** The snapshot before `snap` in its dataset, else the dataset's origin. */
  private previous(snap: string): string | undefined {
    const [ds] = splitSnap(snap);
    const snaps = snapshotsOf(this.state, ds);
    const i = snaps.indexOf(snap);
    if (i > 0) return snaps[i - 1];
    return originName(this.state, ds);
  }

  written(name: string): bigint {
    const o = this.state.objects[name];
    if (!o) return 0n;
    let prev: string | undefined;
    if (o.type === 'snapshot') prev = this.previous(name);
    else prev = snapshotsOf(this.state, name).at(-1) ?? originName(this.state, name);
    if (prev === undefined) return this.referenced(name);
    return BigInt(sumNotIn(this.blocksOf(name), this.blocksOf(prev)));
  }

  private snapUsed(snap: string): bigint {
    const [ds] = splitSnap(snap);
    const snaps = snapshotsOf(this.state, ds);
    const next = snaps[snaps.indexOf(snap) + 1] ?? ds;
    const prev = this.previous(snap);
    return BigInt(sumNotIn(this.blocksOf(snap), prev ? this.blocksOf(prev) : undefined, this.blocksOf(next)));
  }

  used(name: string): bigint {
    const hit = this.usedCache.get(name);
    if (hit !== undefined) return hit;
    const o = this.state.objects[name];
    let total = 0n;
    if (o?.type === 'snapshot') total = this.snapUsed(name);
    else if (o) {
      total =
        this.usedBy(name, 'dataset') + this.usedBy(name, 'snapshots') + this.usedBy(name, 'children') + this.usedBy(name, 'refreservation');
    }
    this.usedCache.set(name, total);
    return total;
  }

  /** The usedby* breakdown of a filesystem or volume's used space. */
  usedBy(name: string, part: 'dataset' | 'snapshots' | 'children' | 'refreservation'): bigint {
    const origin = originName(this.state, name);
    const originBlocks = origin ? this.blocksOf(origin) : undefined;
    const head = this.blocksOf(name);
    switch (part) {
      case 'dataset':
        return BigInt(this.base(name) + sumNotIn(head, originBlocks));
      case 'snapshots': {
        const dead: Blocks = new Map();
        for (const s of snapshotsOf(this.state, name)) for (const [k, v] of this.blocksOf(s)) dead.set(k, v);
        return BigInt(sumNotIn(dead, head, originBlocks));
      }
      case 'children': {
        let total = 0n;
        for (const c of childrenOf(this.state, name)) {
          const cu = this.used(c);
          const res = BigInt(resolve(this.state, c, 'reservation')?.value ?? '0');
          total += cu > res ? cu : res;
        }
        return total;
      }
      case 'refreservation': {
        const refres = this.refreservation(name);
        const refer = this.referenced(name);
        return refres > refer ? refres - refer : 0n;
      }
    }
  }

  refreservation(name: string): bigint {
    const v = resolve(this.state, name, 'refreservation')?.value ?? '0';
    if (v !== 'auto') return BigInt(v);
    const volsize = this.state.objects[name]?.props['volsize']?.value;
    return volsize === undefined ? 0n : BigInt(volsize) + BigInt(VOL_BASE);
  }

  available(name: string): bigint {
    const pool = name.split('/')[0] ?? name;
    let avail = POOL_SIZE - this.used(pool);
    for (let n: string | undefined = name; n !== undefined; n = n.includes('/') ? n.slice(0, n.lastIndexOf('/')) : undefined) {
      const q = BigInt(resolve(this.state, n, 'quota')?.value ?? '0');
      if (q > 0n) {
        const left = q - this.used(n);
        if (left < avail) avail = left;
      }
    }
    const rq = BigInt(resolve(this.state, name, 'refquota')?.value ?? '0');
    if (rq > 0n && rq - this.referenced(name) < avail) avail = rq - this.referenced(name);
    return avail < 0n ? 0n : avail;
  }
}
