// Reads and validates the config file. YAML (a superset of JSON, so a .json file reads
// too); every problem is one line naming the file, the key and the fix (exit 7).
import { createRequire } from 'node:module';
import { ConfigError } from '../errors.js';
import type { Host } from '../host/host.js';
import { ConfigSchema, type Config } from './schema.js';

// Loaded on first use: only the nightly commands read a config, and a save or restore should
// not pay the parser's start-up time and memory (issue 8).
const requireLazily = createRequire(import.meta.url);
const yaml = (): typeof import('yaml') => requireLazily('yaml') as typeof import('yaml');

export async function loadConfig(host: Host, path: string): Promise<Config> {
  const text = await host.readFile(path);
  if (text === undefined) throw new ConfigError(`${path}: no such config file; write one (docs/CONFIG.md) or give --config FILE`);
  return parseConfig(text, path);
}

export function parseConfig(text: string, path: string): Config {
  let raw: unknown;
  try {
    raw = yaml().parse(text, { prettyErrors: false, maxAliasCount: 100 });
  } catch (e) {
    const first = (e as Error).message.split('\n')[0];
    throw new ConfigError(`${path}: not YAML or JSON: ${first}`);
  }
  const r = ConfigSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const where = i.path.length > 0 ? i.path.join('.') : '(top level)';
    throw new ConfigError(`${path}: ${where}: ${i.message}`);
  }
  return r.data;
}
