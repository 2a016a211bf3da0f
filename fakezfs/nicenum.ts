// Number formatting and parsing exactly like libzfs: zfs_nicebytes() for
// sizes ("4.03M", "0B"), zfs_nicestrtonum() for "10G"/"1.5m", and the
// creation date as strftime("%a %b %e %k:%M %Y").

const UNITS = ['B', 'K', 'M', 'G', 'T', 'P', 'E'];

export function nicebytes(num: bigint | number): string {
  const n0 = BigInt(num);
  let n = n0;
  let index = 0;
  while (n >= 1024n && index < 6) {
    n /= 1024n;
    index++;
  }
  const u = UNITS[index] ?? '';
  const base = 1024n ** BigInt(index);
  if (index === 0 || n0 % base === 0n) return `${n}${u}`;
  const val = Number(n0) / Number(base);
  let out = '';
  for (let i = 2; i >= 0; i--) {
    out = `${val.toFixed(i)}${u}`;
    if (out.length <= 5) break;
  }
  return out;
}

/** Parses "512", "10G", "1.5m", "4KiB"; undefined when invalid. */
export function parseSize(text: string): bigint | undefined {
  const m = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)([A-Za-z]*)$/.exec(text.trim());
  if (!m) return undefined;
  const [, numText = '', suffix = ''] = m;
  let shift = 0;
  if (suffix !== '') {
    const i = 'BKMGTPEZ'.indexOf(suffix[0]!.toUpperCase());
    const rest = suffix.slice(1).toUpperCase();
    const ok = i >= 0 && (rest === '' || (i !== 0 && (rest === 'B' || rest === 'IB')));
    if (!ok) return undefined;
    shift = 10 * i;
  }
  if (numText.includes('.')) {
    return BigInt(Math.floor(Number(numText) * 2 ** shift));
  }
  return BigInt(numText) << BigInt(shift);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * strftime("%a %b %e %k:%M %Y") for `creation`; `zfs holds` uses %H, so its
 * hour is padded with '0' instead of ' '.
 */
export function formatCreation(seconds: number, hourPad: ' ' | '0' = ' '): string {
  const d = new Date(seconds * 1000);
  const day = String(d.getDate()).padStart(2, ' ');
  const hour = String(d.getHours()).padStart(2, hourPad);
  const min = String(d.getMinutes()).padStart(2, '0');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${day} ${hour}:${min} ${d.getFullYear()}`;
}
