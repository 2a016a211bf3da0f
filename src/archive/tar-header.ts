// One ustar header block, read by hand: the structure pass before a restore walks an
// archive's headers by seeking past the data, and `archive-identity.ts` finds the trailer
// from the end. Only the plain form zbak writes is understood (no pax, no GNU names, no
// prefix); anything else is `undefined`, and the caller falls back to the full tar parser.

export const BLOCK = 512;

export interface UstarHeader {
  name: string;
  size: number;
  /** typeflag '0' or NUL. */
  isFile: boolean;
}

const octal = (block: Buffer, from: number, len: number): number =>
  parseInt(block.subarray(from, from + len).toString('latin1').replace(/[\0 ]+$/g, '').trim() || 'x', 8);

/** A ustar header block, or undefined when the block is not one (bad checksum, zeros, a prefix). */
export function parseUstarHeader(block: Buffer): UstarHeader | undefined {
  if (block.length < BLOCK || block.subarray(257, 262).toString('latin1') !== 'ustar') return undefined;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  if (octal(block, 148, 8) !== sum) return undefined;
  const size = octal(block, 124, 12);
  if (!Number.isSafeInteger(size) || size < 0) return undefined;
  if (block[345] !== 0) return undefined; // a ustar prefix: zbak's short names never need one
  const nul = block.indexOf(0);
  const name = block.subarray(0, nul >= 0 && nul < 100 ? nul : 100).toString('latin1');
  const type = block[156];
  return { name, size, isFile: type === 0x30 || type === 0 };
}

/** Bytes an entry's data occupies, padded to whole blocks. */
export const paddedSize = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;
