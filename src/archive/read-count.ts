// Test hook (no effect when unset): ZBAK_READ_COUNT=<file> gets one JSON line per pass over
// an archive, {"pass": "structure" | "data" | "verify", "bytes": <bytes read>}, so a test can
// prove that a restore reads the archive's bytes once. See docs/ARCHITECTURE.md "Test hooks".
import { appendFileSync } from 'node:fs';

export type ReadPass = 'structure' | 'data' | 'verify';

export function recordRead(pass: ReadPass, bytes: number): void {
  const file = process.env.ZBAK_READ_COUNT;
  if (file) appendFileSync(file, `${JSON.stringify({ pass, bytes })}\n`);
}
