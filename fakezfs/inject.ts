// Fault injection for zbak's tests (see README.md):
//   ZBAK_FAKE_FAIL=<subcommand>[:<substring of argv>]  fail before changing anything
//   ZBAK_FAKE_SEND_DIE_AFTER=<bytes>     zfs send dies after writing that many bytes
//   ZBAK_FAKE_RECEIVE_DIE_AFTER=<bytes>  zfs receive dies after reading that many bytes
import { ZfsError } from './errors.js';

const ALIASES: Record<string, string> = { recv: 'receive', umount: 'unmount', snap: 'snapshot' };

export function canonical(sub: string): string {
  return ALIASES[sub] ?? sub;
}

/** Throws the injected failure when ZBAK_FAKE_FAIL matches this invocation. */
export function checkInjectedFailure(tool: string, argv: readonly string[], env = process.env): void {
  const spec = env['ZBAK_FAKE_FAIL'];
  if (!spec || argv.length === 0) return;
  const colon = spec.indexOf(':');
  const sub = colon < 0 ? spec : spec.slice(0, colon);
  const needle = colon < 0 ? undefined : spec.slice(colon + 1);
  const line = [tool, ...argv].join(' ');
  if (canonical(argv[0] ?? '') !== canonical(sub)) return;
  if (needle !== undefined && !line.includes(needle)) return;
  throw new ZfsError(`injected failure: ${line}\n`);
}

export function dieAfter(name: 'ZBAK_FAKE_SEND_DIE_AFTER' | 'ZBAK_FAKE_RECEIVE_DIE_AFTER', env = process.env): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}
