// A stand-in for SmartOS's `json` (trentm/json, /usr/bin/json in the global zone), for the
// fake host and the lab guest, which have no `json`: exactly the invocations the manual restore
// in docs/FORMAT.md uses, with json's output rules (json 9+, lib/json.js). Anything else is
// refused, so the recipe cannot start relying on a feature this stand-in would fake.
//   json [-f FILE] [-a] [-e CODE]... [LOOKUP]...
// -e runs CODE with `this` bound to the input (each item when -a or the input is an array);
// a LOOKUP is a dotted path (`zone.uuid`); output is "jsony": a string as is, anything else
// as 2-space JSON; -a prints one line per item, the lookups separated by one space.

export interface JsonResult {
  stdout: string;
  stderr: string;
  code: number;
}

interface Options {
  file?: string;
  array: boolean;
  code: string[];
  lookups: string[][];
}

const LOOKUP_RE = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;

export function parseJsonArgs(argv: readonly string[]): Options {
  const opts: Options = { array: false, code: [], lookups: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`no argument given for "${a}" option`);
      return v;
    };
    if (a === '-f') {
      if (opts.file !== undefined) throw new Error('the stand-in reads one file (-f once)');
      opts.file = value();
    } else if (a === '-a') opts.array = true;
    else if (a === '-e') opts.code.push(value());
    else if (a.startsWith('-')) throw new Error(`unknown option "${a}" (this stand-in supports -f, -a, -e)`);
    else if (LOOKUP_RE.test(a)) opts.lookups.push(a.split('.'));
    else throw new Error(`lookup "${a}" is not a dotted path (all this stand-in supports)`);
  }
  return opts;
}

function lookup(datum: unknown, path: readonly string[]): unknown {
  let d = datum;
  for (const bit of path) {
    if (d === null || d === undefined) return undefined;
    d = (d as Record<string, unknown>)[bit];
    if (d === undefined) return undefined;
  }
  return d;
}

/** json's "jsony" output of one value; undefined prints nothing. */
function jsony(v: unknown): string {
  if (typeof v === 'string') return v;
  return v === undefined ? '' : JSON.stringify(v, null, 2);
}

export function runJson(argv: readonly string[], input: string): JsonResult {
  let opts: Options;
  try {
    opts = parseJsonArgs(argv);
  } catch (e) {
    return { stdout: '', stderr: `json: error: ${(e as Error).message}\n`, code: 1 };
  }
  // json prints nothing for empty input (e.g. a lookup that found nothing, piped on).
  if (input.length === 0) return { stdout: '', stderr: '', code: 0 };
  let data: unknown;
  try {
    data = JSON.parse(input);
  } catch (e) {
    return { stdout: input.endsWith('\n') ? input : `${input}\n`, stderr: `json: error: input is not JSON: ${(e as Error).message}\n`, code: 1 };
  }
  const perItem = opts.array || Array.isArray(data);
  for (const code of opts.code) {
    // json runs -e snippets as `new Function(CODE).call(item)`.
    const fn = new Function(code) as (this: unknown) => void;
    if (perItem) for (const item of Array.isArray(data) ? data : [data]) fn.call(item);
    else fn.call(data);
  }
  let out = '';
  if (opts.array) {
    for (const item of Array.isArray(data) ? data : [data]) {
      out += opts.lookups.length > 0 ? `${opts.lookups.map((l) => jsony(lookup(item, l))).join(' ')}\n` : `${jsony(item)}\n`;
    }
  } else if (opts.lookups.length > 0) {
    // One line per lookup; a lookup that finds nothing (or an empty string) prints no line at all.
    for (const l of opts.lookups) {
      const s = jsony(lookup(data, l));
      if (s.length > 0) out += `${s}\n`;
    }
  } else {
    const s = jsony(data);
    if (s.length > 0) out += `${s}\n`;
  }
  return { stdout: out, stderr: '', code: 0 };
}
