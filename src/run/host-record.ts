// The JSON records zbak keeps on the host between runs (a job's last run, the media it has
// written to): written atomically, read back as a boundary (zod). A record that does not
// parse is treated as absent, and the caller's warning says what that costs.
import type { z } from 'zod';
import type { Host } from '../host/host.js';

/** The record at `path`, or undefined when there is none or it is damaged (then `warn`ed with `ifDamaged`). */
export async function readHostRecord<T>(
  host: Host,
  path: string,
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  warn: (line: string) => void,
  ifDamaged: string,
): Promise<T | undefined> {
  const text = await host.readFile(path);
  if (text === undefined) return undefined;
  try {
    return schema.parse(JSON.parse(text));
  } catch {
    warn(`${path} is damaged; ${ifDamaged}`);
    return undefined;
  }
}

export async function writeHostRecord(host: Host, path: string, value: unknown): Promise<void> {
  await host.writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}
