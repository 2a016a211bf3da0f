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

/** Smallest and largest part size zbak picks by itself (--part-size may say otherwise). */
export const AUTO_MIN_PART_SIZE = 4 * 1024 * 1024;
export const AUTO_MAX_PART_SIZE = 32 * 1024 * 1024;
/** Parts zbak aims at for the largest stream: the trailer lists each (about 130 bytes). */
const AUTO_PARTS = 2048;

/**
 * The part size for a zone whose largest dataset references `largestBytes`: the power of
 * two that cuts it into at most about 2048 parts, between 4 MiB and 32 MiB. A writer
 * buffers two parts, so memory follows the zone's size up to 64 MiB, and a trailer stays
 * small (32 MiB parts: 4 TiB in 131072 parts, 17 MB of trailer).
 */
export function autoPartSize(largestBytes: number): number {
  let size = AUTO_MIN_PART_SIZE;
  while (size < AUTO_MAX_PART_SIZE && size * AUTO_PARTS < largestBytes) size *= 2;
  return size;
}
