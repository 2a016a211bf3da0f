// The stream digest of format version 2: SHA-256 of the stream's part list, so each stream
// byte is hashed once (for its part) by the writer, by verify and by restore. The list is
// the text `sha256sum` prints for the parts, one line each in order: 64 lowercase hex
// digits, two spaces, the part's entry name, a newline. By hand, in a directory the
// archive was extracted into: `sha256sum streams/s01/* | sha256sum`. See docs/FORMAT.md.
import { createHash } from 'node:crypto';

export interface PartSum {
  name: string;
  sha256: string;
}

/** SHA-256 (hex) of the `sha256sum`-style list of `parts`. */
export function partListDigest(parts: readonly PartSum[]): string {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(`${p.sha256}  ${p.name}\n`, 'latin1');
  return hash.digest('hex');
}
