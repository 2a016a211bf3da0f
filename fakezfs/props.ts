// The property table (the subset of zfs_prop.c zbak needs), in the order of
// zfs_prop_t so `zfs get all` lists them like real zfs, plus value checks.
import { parseSize } from './nicenum.js';
import type { ZType } from './state.js';

export type PropKind = 'size' | 'number' | 'index' | 'string' | 'date' | 'ratio';

export interface PropDef {
  name: string;
  column: string;
  kind: PropKind;
  types: readonly ZType[];
  readonly?: boolean;
  inherit?: boolean;
  /** Settable only when the dataset is created (volblocksize). */
  onetime?: boolean;
  /** Default stored value for settable properties. */
  default?: string;
  /** Allowed values of index properties, and their help text. */
  values?: readonly string[];
  help?: string;
  alias?: string;
  /** Size properties where 0 means unset and prints as "none". */
  noneIsZero?: boolean;
}

const FS: readonly ZType[] = ['filesystem'];
const FSVOL: readonly ZType[] = ['filesystem', 'volume'];
const ALL: readonly ZType[] = ['filesystem', 'volume', 'snapshot'];
const ONOFF = ['on', 'off'];
const COMPRESS = [
  'on', 'off', 'lzjb', 'gzip', ...Array.from({ length: 9 }, (_, i) => `gzip-${i + 1}`), 'zle', 'lz4',
  'zstd', ...Array.from({ length: 19 }, (_, i) => `zstd-${i + 1}`), 'zstd-fast',
];

export const PROPS: readonly PropDef[] = [
  { name: 'type', column: 'TYPE', kind: 'string', types: ALL, readonly: true, help: 'filesystem | volume | snapshot | bookmark' },
  { name: 'creation', column: 'CREATION', kind: 'date', types: ALL, readonly: true, help: '<date>' },
  { name: 'used', column: 'USED', kind: 'size', types: ALL, readonly: true, help: '<size>' },
  { name: 'available', alias: 'avail', column: 'AVAIL', kind: 'size', types: FSVOL, readonly: true, help: '<size>' },
  { name: 'referenced', alias: 'refer', column: 'REFER', kind: 'size', types: ALL, readonly: true, help: '<size>' },
  { name: 'compressratio', alias: 'ratio', column: 'RATIO', kind: 'ratio', types: ALL, readonly: true, help: '<1.00x or higher if compressed>' },
  { name: 'mounted', column: 'MOUNTED', kind: 'index', types: FS, readonly: true, help: 'yes | no' },
  { name: 'origin', column: 'ORIGIN', kind: 'string', types: FSVOL, readonly: true, help: '<snapshot>' },
  { name: 'quota', column: 'QUOTA', kind: 'size', types: FS, default: '0', noneIsZero: true, help: '<size> | none' },
  { name: 'reservation', alias: 'reserv', column: 'RESERV', kind: 'size', types: FSVOL, default: '0', noneIsZero: true, help: '<size> | none' },
  { name: 'volsize', column: 'VOLSIZE', kind: 'size', types: ['volume', 'snapshot'], help: '<size>' },
  { name: 'volblocksize', alias: 'volblock', column: 'VOLBLOCK', kind: 'size', types: ['volume'], onetime: true, default: '8192', help: '512 to 128k, power of 2' },
  { name: 'recordsize', alias: 'recsize', column: 'RECSIZE', kind: 'size', types: FS, inherit: true, default: '131072', help: '512 to 1M, power of 2' },
  { name: 'mountpoint', column: 'MOUNTPOINT', kind: 'string', types: FS, inherit: true, default: '/', help: '<path> | legacy | none' },
  { name: 'compression', alias: 'compress', column: 'COMPRESS', kind: 'index', types: FSVOL, inherit: true, default: 'off', values: COMPRESS,
    help: 'on | off | lzjb | gzip | gzip-[1-9] | zle | lz4 | zstd | zstd-[1-19] | zstd-fast | zstd-fast-[1-10,20,30,...,100,500,1000]' },
  { name: 'atime', column: 'ATIME', kind: 'index', types: FS, inherit: true, default: 'on', values: ONOFF, help: 'on | off' },
  { name: 'devices', column: 'DEVICES', kind: 'index', types: ['filesystem', 'snapshot'], inherit: true, default: 'on', values: ONOFF, help: 'on | off' },
  { name: 'readonly', alias: 'rdonly', column: 'RDONLY', kind: 'index', types: FSVOL, inherit: true, default: 'off', values: ONOFF, help: 'on | off' },
  { name: 'zoned', column: 'ZONED', kind: 'index', types: FS, inherit: true, default: 'off', values: ONOFF, help: 'on | off' },
  { name: 'createtxg', column: 'CREATETXG', kind: 'number', types: ALL, readonly: true, help: '<uint64>' },
  { name: 'canmount', column: 'CANMOUNT', kind: 'index', types: FS, default: 'on', values: ['on', 'off', 'noauto'], help: 'on | off | noauto' },
  { name: 'refquota', column: 'REFQUOTA', kind: 'size', types: FS, default: '0', noneIsZero: true, help: '<size> | none' },
  { name: 'refreservation', alias: 'refreserv', column: 'REFRESERV', kind: 'size', types: FSVOL, default: '0', noneIsZero: true, help: '<size> | none' },
  { name: 'guid', column: 'GUID', kind: 'number', types: ALL, readonly: true, help: '<uint64>' },
  { name: 'usedbysnapshots', alias: 'usedsnap', column: 'USEDSNAP', kind: 'size', types: FSVOL, readonly: true, help: '<size>' },
  { name: 'usedbydataset', alias: 'usedds', column: 'USEDDS', kind: 'size', types: FSVOL, readonly: true, help: '<size>' },
  { name: 'usedbychildren', alias: 'usedchild', column: 'USEDCHILD', kind: 'size', types: FSVOL, readonly: true, help: '<size>' },
  { name: 'usedbyrefreservation', alias: 'usedrefreserv', column: 'USEDREFRESERV', kind: 'size', types: FSVOL, readonly: true, help: '<size>' },
  { name: 'userrefs', column: 'USERREFS', kind: 'number', types: ['snapshot'], readonly: true, help: '<count>' },
  { name: 'written', column: 'WRITTEN', kind: 'size', types: ALL, readonly: true, help: '<size>' },
  { name: 'clones', column: 'CLONES', kind: 'string', types: ['snapshot'], readonly: true, help: '<dataset>[,...]' },
];

/** The property table `zfs get|set|list|inherit` print after their usage. */
export function propertyTable(): string {
  const row = (d: PropDef): string => {
    const edit = d.readonly || d.onetime ? ' NO    ' : 'YES    ';
    const inherit = d.inherit || d.onetime ? '  YES   ' : '   NO   ';
    return `\t${d.name.padEnd(15)} ${edit}${inherit}${d.help ?? '-'}\n`;
  };
  const byName = [...PROPS].sort((a, b) => (a.name < b.name ? -1 : 1));
  return (
    '\nThe following properties are supported:\n\n\tPROPERTY       EDIT  INHERIT   VALUES\n\n' +
    byName.filter((d) => d.readonly || d.onetime).map(row).join('') +
    byName.filter((d) => !(d.readonly || d.onetime)).map(row).join('') +
    '\nSizes are specified in bytes with standard units such as K, M, G, etc.\n' +
    '\nUser-defined properties can be specified by using a name containing a colon (:).\n'
  );
}

export function findProp(name: string): PropDef | undefined {
  return PROPS.find((p) => p.name === name || p.alias === name);
}

/** User properties are "module:property", lower case by convention. */
export function isUserProp(name: string): boolean {
  return name.includes(':') && /^[a-z0-9_.:-]+$/i.test(name) && !name.startsWith(':');
}

export type Checked = { ok: true; value: string } | { ok: false; why: string };

/** Validates and normalises a value for storage (sizes become byte counts). */
export function checkValue(def: PropDef, raw: string): Checked {
  if (def.kind === 'size') {
    if (def.noneIsZero && raw === 'none') return { ok: true, value: '0' };
    if (def.name === 'refreservation' && raw === 'auto') return { ok: true, value: 'auto' };
    const n = parseSize(raw);
    if (n === undefined) return { ok: false, why: `bad numeric value '${raw}'` };
    if (def.name === 'recordsize' || def.name === 'volblocksize') {
      const max = def.name === 'recordsize' ? 1n << 20n : 1n << 17n;
      if (n < 512n || n > max || (n & (n - 1n)) !== 0n) {
        return { ok: false, why: `'${def.name}' must be power of 2 from 512B to ${def.name === 'recordsize' ? '1M' : '128K'}` };
      }
    }
    return { ok: true, value: n.toString() };
  }
  if (def.kind === 'index') {
    if (def.values?.includes(raw)) return { ok: true, value: raw };
    return { ok: false, why: `'${def.name}' must be one of '${def.help ?? def.values?.join(' | ')}'` };
  }
  if (def.name === 'mountpoint') {
    if (raw === 'none' || raw === 'legacy') return { ok: true, value: raw };
    if (!raw.startsWith('/')) return { ok: false, why: `'mountpoint' must be an absolute path, 'none', or 'legacy'` };
    const norm = raw.length > 1 ? raw.replace(/\/+$/, '') : raw;
    return { ok: true, value: norm };
  }
  return { ok: true, value: raw };
}
