// The small language ZFS scenarios are written in. "$P" in any argument or
// name stands for the scenario's own dataset prefix (<pool>/scn-<N>).

/** Success, or a refusal whose stderr holds one of the strings (and, if given, that exit code). */
export type Expect = 'ok' | { fail: string | readonly string[]; code?: number };

export type Step =
  | { kind: 'zfs'; args: readonly string[]; expect: Expect }
  /** Writes a file into a mounted filesystem (path from its mountpoint). */
  | { kind: 'write'; ds: string; file: string; content: string; bytes?: number }
  /** zfs send ... | zfs receive ... as two concurrent processes. */
  | { kind: 'pipe'; send: readonly string[]; recv: readonly string[]; expect: Expect }
  /** zfs send ... > <scratch>/<file>. */
  | { kind: 'save'; send: readonly string[]; file: string; expect: Expect }
  /** zfs receive ... < <scratch>/<file>, optionally cut short or with a byte flipped. */
  | { kind: 'load'; file: string; recv: readonly string[]; expect: Expect; truncate?: number; flip?: number }
  /** Remembers a property (usually guid) of a dataset under a key. */
  | { kind: 'remember'; name: string; prop: string; key: string }
  | { kind: 'check'; check: Check };

export type Check =
  | { what: 'prop'; name: string; prop: string; value: string }
  | { what: 'remembered'; name: string; prop: string; key: string }
  | { what: 'same'; a: string; b: string; prop: string }
  | { what: 'exists'; name: string }
  | { what: 'missing'; name: string }
  | { what: 'file'; ds: string; file: string; content: string }
  | { what: 'nofile'; ds: string; file: string }
  | { what: 'snapshots'; ds: string; names: readonly string[] };

export interface Scenario {
  name: string;
  steps: readonly Step[];
}

export const zfs = (...args: string[]): Step => ({ kind: 'zfs', args, expect: 'ok' });
export const refuse = (fail: string | readonly string[], ...args: string[]): Step => ({ kind: 'zfs', args, expect: { fail } });
export const write = (ds: string, file: string, content: string): Step => ({ kind: 'write', ds, file, content });
export const writeBytes = (ds: string, file: string, bytes: number): Step => ({ kind: 'write', ds, file, content: '', bytes });
export const pipe = (send: readonly string[], recv: readonly string[], expect: Expect = 'ok'): Step => ({ kind: 'pipe', send, recv, expect });
export const save = (file: string, ...send: string[]): Step => ({ kind: 'save', send, file, expect: 'ok' });
export const refuseSend = (fail: string, ...send: string[]): Step => ({ kind: 'save', send, file: 'refused', expect: { fail } });
export const load = (file: string, recv: readonly string[], expect: Expect = 'ok', mangle: { truncate?: number; flip?: number } = {}): Step => ({
  kind: 'load',
  file,
  recv,
  expect,
  ...mangle,
});
export const remember = (name: string, key: string, prop = 'guid'): Step => ({ kind: 'remember', name, prop, key });

export const check = {
  prop: (name: string, prop: string, value: string): Step => ({ kind: 'check', check: { what: 'prop', name, prop, value } }),
  origin: (name: string, value: string): Step => ({ kind: 'check', check: { what: 'prop', name, prop: 'origin', value } }),
  remembered: (name: string, key: string, prop = 'guid'): Step => ({ kind: 'check', check: { what: 'remembered', name, prop, key } }),
  sameGuid: (a: string, b: string): Step => ({ kind: 'check', check: { what: 'same', a, b, prop: 'guid' } }),
  same: (a: string, b: string, prop: string): Step => ({ kind: 'check', check: { what: 'same', a, b, prop } }),
  exists: (name: string): Step => ({ kind: 'check', check: { what: 'exists', name } }),
  missing: (name: string): Step => ({ kind: 'check', check: { what: 'missing', name } }),
  file: (ds: string, file: string, content: string): Step => ({ kind: 'check', check: { what: 'file', ds, file, content } }),
  nofile: (ds: string, file: string): Step => ({ kind: 'check', check: { what: 'nofile', ds, file } }),
  snapshots: (ds: string, ...names: string[]): Step => ({ kind: 'check', check: { what: 'snapshots', ds, names } }),
};

/** $P/X with @a (file a) and @b (file b), and $P/Y received from X@a. */
export const sourceAndCopy: readonly Step[] = [
  zfs('create', '$P/X'),
  write('$P/X', 'a', 'a\n'),
  zfs('snapshot', '$P/X@a'),
  write('$P/X', 'b', 'b\n'),
  zfs('snapshot', '$P/X@b'),
  pipe(['send', '$P/X@a'], ['receive', '$P/Y']),
];
