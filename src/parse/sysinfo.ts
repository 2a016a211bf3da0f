// The few `sysinfo` fields zbak records as the archive's source host.
import { z } from 'zod';
import { parseJson } from './vmadm.js';

const SysinfoSchema = z
  .object({
    UUID: z.string(),
    Hostname: z.string(),
    'Live Image': z.string().optional(),
    Zpool: z.string().optional(),
  })
  .passthrough();

export interface HostFacts {
  hostname: string;
  sysinfoUuid: string;
  platform: string;
  pool: string;
}

export function parseSysinfo(text: string): HostFacts {
  const s = parseJson(text, SysinfoSchema, 'sysinfo');
  return { hostname: s.Hostname, sysinfoUuid: s.UUID, platform: s['Live Image'] ?? 'unknown', pool: s.Zpool ?? 'zones' };
}
