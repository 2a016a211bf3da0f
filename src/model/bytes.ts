// Byte counts for people: binary units, as zfs and df -h print them.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** 1536 -> "1.5 KiB"; one decimal below 100 units, none above. */
export function humanBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v < 100 ? v.toFixed(1) : Math.round(v)} ${UNITS[u]}`;
}
