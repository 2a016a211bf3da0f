// The simulated pools: every dataset and snapshot by full name, in one JSON
// file replaced atomically. Readers need no lock; writers go through mutate().
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FakeEnv } from './env.js';
import { withLock } from './lock.js';

const PropValue = z.object({
  value: z.string(),
  source: z.enum(['local', 'received']),
});

const ObjectSchema = z.object({
  type: z.enum(['filesystem', 'volume', 'snapshot']),
  guid: z.string(),
  /** Storage key of the content (guids repeat when a stream is received in the same host). */
  id: z.string(),
  createtxg: z.number().int(),
  /** Unix seconds. */
  creation: z.number().int(),
  props: z.record(PropValue),
  /** Datasets: storage id of the origin snapshot when a clone (ids are unique, guids may repeat). */
  originId: z.string().optional(),
  mounted: z.boolean().optional(),
  /** Snapshots: user hold tag -> when it was placed (unix seconds). */
  holds: z.record(z.number().int()).optional(),
});

const PoolSchema = z.object({
  guid: z.string(),
  txg: z.number().int(),
});

export const StateSchema = z.object({
  version: z.literal(1),
  pools: z.record(PoolSchema),
  objects: z.record(ObjectSchema),
});

export type State = z.infer<typeof StateSchema>;
export type ZObject = z.infer<typeof ObjectSchema>;
export type ZType = ZObject['type'];
export type PropSource = z.infer<typeof PropValue>['source'];

function stateFile(env: FakeEnv): string {
  return join(env.stateDir, 'state.json');
}

export function readState(env: FakeEnv): State {
  mkdirSync(env.stateDir, { recursive: true });
  let text: string;
  try {
    text = readFileSync(stateFile(env), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, pools: {}, objects: {} };
    throw e;
  }
  return StateSchema.parse(JSON.parse(text));
}

function writeState(env: FakeEnv, state: State): void {
  const tmp = `${stateFile(env)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, stateFile(env));
}

/** Read-modify-write under the lock; a throwing fn leaves the state file as it was. */
export async function mutate<T>(env: FakeEnv, fn: (state: State) => Promise<T> | T): Promise<T> {
  mkdirSync(env.stateDir, { recursive: true });
  return withLock(join(env.stateDir, 'lock'), async () => {
    const state = readState(env);
    const result = await fn(state);
    writeState(env, state);
    return result;
  });
}

/** A random non-zero unsigned 64-bit guid, as decimal, unused in any pool. */
export function newGuid(state: State): string {
  const used = new Set(Object.values(state.objects).map((o) => o.guid));
  for (;;) {
    const g = randomBytes(8).readBigUInt64BE().toString();
    if (g !== '0' && !used.has(g)) return g;
  }
}

/** Advance and return the pool's transaction group counter. */
export function nextTxg(state: State, pool: string): number {
  const p = state.pools[pool];
  if (!p) throw new Error(`no pool ${pool}`);
  p.txg += 1;
  return p.txg;
}

export function newId(): string {
  return randomUUID();
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
