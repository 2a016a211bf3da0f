// vmadm's command-line shape: options may appear anywhere (nopt-style), the
// rest are positional; bad usage prints the usage text and exits 2.
import { looksLikeUuid } from '../common/uuid.js';

export interface FlagSpec {
  /** Short letter ("f") and the long name it sets ("file"). */
  short: string;
  long: string;
  takesValue: boolean;
}

export interface ParsedArgs {
  flags: Map<string, string | true>;
  remain: string[];
}

/** A usage problem: vmadm prints the message and the usage, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError' as const;
}

export function parseArgs(args: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const flags = new Map<string, string | true>();
  const remain: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '-' || !arg.startsWith('-') || arg.length < 2) {
      remain.push(arg);
      continue;
    }
    const long = arg.startsWith('--') ? arg.slice(2) : undefined;
    const spec = specs.find((s) => (long ? s.long === long : s.short === arg.slice(1)));
    if (!spec) throw new UsageError(`Invalid option: "${arg}"`);
    if (spec.takesValue) {
      const value = args[i + 1];
      if (value === undefined) throw new UsageError(`Option "${arg}" needs a value`);
      flags.set(spec.long, value);
      i++;
    } else {
      flags.set(spec.long, true);
    }
  }
  return { flags, remain };
}

/** Takes the uuid positional argument, as vmadm's getUUID() checks it. */
export function takeUuid(command: string, parsed: ParsedArgs): string {
  const uuid = parsed.remain.shift();
  if (uuid !== undefined && looksLikeUuid(uuid)) return uuid;
  throw new UsageError(`Invalid or missing UUID for ${command}`);
}

/** `key=value` arguments as an object (later keys win). */
export function parseKeyValues(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq < 0) throw new UsageError(`Bad arguments: unable to split ${arg}`);
    out[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  return out;
}

export const USAGE = [
  'Usage: vmadm <command> [options]',
  '',
  'create [-f <filename>]',
  'create-snapshot <uuid> <snapname>',
  'delete <uuid>',
  'delete-snapshot <uuid> <snapname>',
  'get <uuid>',
  'list [-p] [-H] [-o field,...] [-s field,...] [field=value ...]',
  'lookup [-j|-1] [-o field,...] [field=value ...]',
  'rollback-snapshot <uuid> <snapname>',
  'start <uuid>',
  'stop <uuid> [-F] [-t timeout]',
  'update <uuid> [-f <filename>]',
  ' -or- update <uuid> property=value [property=value ...]',
  '',
  "For more detailed information on the use of this command,type 'man vmadm'.",
].join('\n');
