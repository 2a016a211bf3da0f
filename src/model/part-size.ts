// The one range of archive part sizes: the CLI refuses --part-size outside it before any
// snapshot is taken, the writer refuses it, and the header check refuses archives claiming it.

/** Smallest part: below this the tar headers outweigh the data. */
export const MIN_PART_SIZE = 1024;
/** Largest part: writers and readers buffer one part in memory. */
export const MAX_PART_SIZE = 1024 * 1024 * 1024;

/** Why `n` is not a valid part size, or null when it is. */
export function partSizeProblem(n: number): string | null {
  if (!Number.isSafeInteger(n)) return `${n} is not a whole number of bytes`;
  if (n < MIN_PART_SIZE || n > MAX_PART_SIZE) return `${n} bytes is out of range (${MIN_PART_SIZE} to ${MAX_PART_SIZE}: 1K to 1G)`;
  return null;
}
