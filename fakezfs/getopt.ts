// A small getopt(3) like glibc's: short options may be bundled (-fr), an
// option's argument may be glued (-oname) or separate (-o name), and options
// may follow operands (glibc permutes argv) until "--".
import { ZfsError } from './errors.js';

export interface ParsedArgs {
  /** Options in command-line order: [letter, argument?]. */
  opts: Array<[string, string | undefined]>;
  args: string[];
}

export interface GetoptSpec {
  /** getopt string, e.g. "Hpd:o:". */
  short: string;
  /** Long option name -> short letter, e.g. { props: 'p' }. */
  long?: Record<string, string>;
  /** Usage text printed after an option error. */
  usage: string;
  /** What follows the usage (zfs_main.c usage()); defaults to the two "For the ... list" lines. */
  trailer?: string;
}

const TRAILER = '\nFor the property list, run: zfs set|get\n\nFor the delegated permission list, run: zfs allow|unallow\n';

export function usageError(spec: Pick<GetoptSpec, 'usage' | 'trailer'>, msg?: string): never {
  const head = msg ? `${msg}\n` : '';
  throw new ZfsError(`${head}usage:\n${spec.usage}\n${spec.trailer ?? TRAILER}`, 2);
}

export function getopt(argv: readonly string[], spec: GetoptSpec): ParsedArgs {
  const opts: Array<[string, string | undefined]> = [];
  const args: string[] = [];
  const takesArg = (c: string): boolean | undefined => {
    const i = spec.short.indexOf(c);
    if (i < 0 || c === ':') return undefined;
    return spec.short[i + 1] === ':';
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && spec.long) {
      const [key = '', glued] = a.slice(2).split('=', 2);
      const letter = spec.long[key];
      if (letter === undefined) usageError(spec, `invalid option '${key}'`);
      if (takesArg(letter)) {
        const val = glued ?? argv[++i];
        if (val === undefined) usageError(spec, `missing argument for '${key}' option`);
        opts.push([letter, val]);
      } else opts.push([letter, undefined]);
      continue;
    }
    if (!a.startsWith('-') || a === '-') {
      args.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j] ?? '';
      const t = takesArg(c);
      if (t === undefined) usageError(spec, `invalid option '${c}'`);
      if (!t) {
        opts.push([c, undefined]);
        continue;
      }
      const rest = a.slice(j + 1);
      const val = rest !== '' ? rest : argv[++i];
      if (val === undefined) usageError(spec, `missing argument for '${c}' option`);
      opts.push([c, val]);
      break;
    }
  }
  return { opts, args };
}

export function has(p: ParsedArgs, c: string): boolean {
  return p.opts.some(([k]) => k === c);
}

export function values(p: ParsedArgs, c: string): string[] {
  return p.opts.filter(([k]) => k === c).map(([, v]) => v ?? '');
}

export function last(p: ParsedArgs, c: string): string | undefined {
  return values(p, c).at(-1);
}
