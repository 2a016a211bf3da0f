// Mutations of a genuine archive, as plain data (so fast-check prints and shrinks
// them readably) and the function that applies one to an in-memory archive. Values
// are templates: {zone} is the archive's zone, {other} a zone on the target host that
// is in no archive, {joyent}/{kvm}/{bhyve} the saved zones, {base}/{webapp}/{zvol}
// the images on the host. Checksums are recomputed when the archive is written.
import fc from 'fast-check';
import type { ArchiveModel } from './archive-model.js';
import { rewriteBegin } from './stream-begin.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export type Mutation =
  | { k: 'header'; path: string; value: Json | '<delete>' }
  | { k: 'stream'; index: number; path: string; value: Json | '<delete>' }
  | { k: 'image'; index: number; path: string; value: Json | '<delete>' }
  /** Replace a uuid everywhere (header, vmadm.json, image records and their entry names). */
  | { k: 'rename'; from: '{zone}' | 'image0' | 'image1'; to: string }
  | { k: 'vmadm'; path: string; value: Json | '<delete>' }
  | { k: 'vmadm-text'; text: string }
  | { k: 'manifest'; index: number; path: string; value: Json | '<delete>' }
  | { k: 'manifest-text'; index: number; text: string }
  /** Rewrite the first record of a stream to announce another snapshot's GUID. */
  | { k: 'begin'; index: number; field: 'fromguid' | 'toguid'; guid: { from: 'archive' | 'host'; index: number } | '0' };

export interface MutationContext {
  tokens: Record<string, string>;
  /** Snapshot GUIDs on the target host, for BEGIN rewrites. */
  hostGuids: string[];
}

// ---- values -------------------------------------------------------------------

const uuids = ['{zone}', '{other}', '{joyent}', '{kvm}', '{bhyve}', '{base}', '{webapp}', '{zvol}', 'deadbeef-0000-4000-8000-000000000001', '{ZONE}', '{zone}x', '../{zone}', '-rf'];
const datasets = [
  '{zone}', '{zone}/data', '{zone}-old', '{other}', '{other}/data', '{zone}/../x', '{zone}/../../{other}', 'cores/{other}',
  'cores/{zone}', 'cores/{zone}/x', '{base}', '{webapp}', '{zvol}', 'zbak-{zone}/old/{zone}', 'zbak-{zone}/new/{zone}', 'zbak-{other}',
  '{zone}-disk0', '{zone}-disk9', '{other}-disk0', '{zone}-partial', '{webapp}-partial', 'cores', '-{zone}', '{zone}/-x', '{zone}/.',
  '{zone}@snap', '', 'zones/{zone}', '{kvm}-disk0', '{bhyve}/disk0', '{zone}-disk0/../../{other}', '{zone}-old/data', '{other}-old',
];
const timestamps = [
  '2024-11-04T10:22:31.118Z; end; select attr name=alias; set value=x', '2024-11-04T10:22:31Z\nend', '2024-11-04 10:22:31', 'now', '',
  '2024-11-04T10:22:31.118+01:00', '2024-11-04T10:22:31.118Z', '-z', '2024-11-04T10:22:31.118Z"; rm -rf /; "',
];
const texts = ['x\u001b]0;pwn\u0007', 'a'.repeat(300), '', '-rf', 'web01; rm -rf /', 'line\nbreak', '{other}'];
const guidValues = ['0', '1', '18446744073709551615', '18446744073709551616', '-1', 'abc', ''];

const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);
const maybeDelete = (a: fc.Arbitrary<Json>): fc.Arbitrary<Json | '<delete>'> => fc.oneof(a, fc.constant('<delete>' as const));
const index = fc.nat({ max: 9 });

const headerMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ k: fc.constant('header' as const), path: fc.constant('zone.uuid'), value: pick<Json>(uuids) }),
  fc.record({ k: fc.constant('header' as const), path: fc.constant('zone.alias'), value: maybeDelete(pick<Json>(texts)) }),
  fc.record({ k: fc.constant('header' as const), path: fc.constant('zone.createTimestamp'), value: maybeDelete(pick<Json>(timestamps)) }),
  fc.record({ k: fc.constant('header' as const), path: fc.constant('zone.brand'), value: pick<Json>(['joyent', 'kvm', 'bhyve', 'lx', 'joyent-minimal', 'builder', '', '../x']) }),
  fc.record({ k: fc.constant('header' as const), path: fc.constant('zone.state'), value: pick<Json>(['running', 'stopped', 'installed', '', 'running; x']) }),
  fc.record({ k: fc.constant('header' as const), path: fc.constant('zone.autoboot'), value: pick<Json>([true, false, 'yes']) }),
  fc.record({ k: fc.constant('header' as const), path: fc.constant('source.pool'), value: pick<Json>(['zones', 'zones/{other}', 'other', '', '-zones', '../zones']) }),
  fc.record({ k: fc.constant('header' as const), path: fc.constant('source.hostname'), value: pick<Json>(texts) }),
  fc.record({ k: fc.constant('header' as const), path: fc.constant('snapshotName'), value: pick<Json>(['zbak-20250101T000000Z', 'final', '-x', 'a@b', '', 'zbak-x;y']) }),
  fc.record({ k: fc.constant('header' as const), path: fc.constant('partSize'), value: pick<Json>([0, -1, 1.5, 512, 4096, 2 ** 30, 2 ** 30 + 1, 2 ** 53, '4096', null]) }),
  fc.record({ k: fc.constant('header' as const), path: fc.constant('space'), value: pick<Json>([{}, { '{other}': 1 }, { '{zone}': 2 ** 60 }, '<delete>']) }),
);

const streamMutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('stream' as const), index, path: fc.constant('dataset'), value: pick<Json>(datasets) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('stream' as const), index, path: fc.constant('role'), value: pick<Json>(['image', 'zoneroot', 'dataset', 'cores', 'disk']) }) },
  fc.record({ k: fc.constant('stream' as const), index, path: fc.constant('from.dataset'), value: pick<Json>(datasets) }),
  fc.record({ k: fc.constant('stream' as const), index, path: fc.constant('imageUuid'), value: maybeDelete(pick<Json>(uuids)) }),
  fc.record({ k: fc.constant('stream' as const), index, path: fc.constant('kind'), value: pick<Json>(['full', 'incremental', 'incremental-from-origin']) }),
  fc.record({ k: fc.constant('stream' as const), index, path: fc.constant('to.snapshot'), value: pick<Json>(['-x', 'final', 'indestructible', 'a b']) }),
);

const imageMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ k: fc.constant('image' as const), index, path: fc.constant('uuid'), value: pick<Json>(uuids) }),
  fc.record({ k: fc.constant('image' as const), index, path: fc.constant('origin'), value: maybeDelete(pick<Json>(uuids)) }),
  fc.record({ k: fc.constant('image' as const), index, path: fc.constant('finalGuid'), value: pick<Json>(guidValues) }),
  fc.record({ k: fc.constant('image' as const), index, path: fc.constant('name'), value: pick<Json>(texts) }),
  { weight: 3, arbitrary: fc.record({ k: fc.constant('rename' as const), from: pick(['image0', 'image1'] as const), to: pick(uuids) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('rename' as const), from: fc.constant('{zone}' as const), to: pick(uuids) }) },
);

const lofsRoot: Json = [{ type: 'lofs', source: '/', target: '/host', options: ['rw'] }];
const vmadmValues: Array<[string, Json[]]> = [
  ['uuid', ['{other}', '{zone}', 123]],
  ['brand', ['kvm', 'bhyve', 'lx', 'x']],
  ['filesystems', [lofsRoot, []]],
  ['fs_allowed', ['ufs,pcfs,tmpfs']],
  ['limit_priv', ['default,dtrace_kernel,sys_config', 'default,-net_access', 'default']],
  ['disks', [
    [{ path: '/dev/zvol/rdsk/zones/{other}-disk0', nocreate: true, size: 10240, model: 'virtio', boot: true }],
    [{ zfs_filesystem: 'zones/{other}', image_uuid: '{zvol}', model: 'virtio' }],
    [{ zpool: 'other', size: 1024, model: 'virtio' }],
    [{ path: '/dev/zvol/rdsk/zones/{kvm}-disk1', nocreate: true, model: 'virtio' }],
    [null], 'x',
  ]],
  ['zpool', ['zones/{other}', 'other']],
  ['zfs_filesystem', ['zones/{other}']],
  ['zonepath', ['/zones/{other}']],
  ['image_uuid', ['{other}', '{zvol}', null, 'x']],
  ['datasets', [['zones/{other}/data'], 'x']],
  ['indestructible_zoneroot', [true]],
  ['indestructible_delegated', [true]],
  ['create_timestamp', timestamps],
  ['alias', texts],
  ['nics', ['x', [null]]],
  ['delegate_dataset', [true]],
];

const REACH_KEYS = ['filesystems', 'fs_allowed', 'limit_priv'];
const vmadmField = (entries: Array<[string, Json[]]>): fc.Arbitrary<Mutation> =>
  pick(entries).chain(([path, values]) => fc.record({ k: fc.constant('vmadm' as const), path: fc.constant(path), value: maybeDelete(pick(values)) }));

const manifestMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ k: fc.constant('manifest' as const), index, path: fc.constant('manifest.uuid'), value: pick<Json>(['{other}', '{base}', '{webapp}', 42]) }),
  fc.record({ k: fc.constant('manifest' as const), index, path: fc.constant('manifest.origin'), value: maybeDelete(pick<Json>(['{other}', '{base}'])) }),
  fc.record({ k: fc.constant('manifest' as const), index, path: fc.constant('manifest.name'), value: pick<Json>(texts) }),
  fc.record({ k: fc.constant('manifest' as const), index, path: fc.constant('zpool'), value: pick<Json>(['other', 'zones/{other}']) }),
  fc.record({ k: fc.constant('manifest-text' as const), index, text: pick(['null', '[]', '{}', '{"manifest":null}']) }),
);

const beginMutation: fc.Arbitrary<Mutation> = fc.record({
  k: fc.constant('begin' as const),
  index,
  field: pick(['fromguid', 'toguid'] as const),
  guid: fc.oneof(fc.record({ from: pick(['archive', 'host'] as const), index: fc.nat({ max: 99 }) }), fc.constant('0' as const)),
});

export const families = {
  header: headerMutation,
  streams: streamMutation,
  images: imageMutation,
  /** vmadm.json that is not an object at all. */
  'vmadm-shape': fc.record({ k: fc.constant('vmadm-text' as const), text: pick(['null', '[]', '"string"', '42', '{}', '{"uuid":"{zone}"}']) }),
  /** Properties with global-zone reach. */
  'vmadm-reach': vmadmField(vmadmValues.filter(([k]) => REACH_KEYS.includes(k))),
  /** Every other field restore reads: uuid, brand, disks, zpool, paths, flags, texts. */
  'vmadm-fields': vmadmField(vmadmValues.filter(([k]) => !REACH_KEYS.includes(k))),
  manifests: manifestMutation,
  begin: beginMutation,
} as const;

export const anyMutation: fc.Arbitrary<Mutation> = fc.oneof(...Object.values(families));

// ---- application --------------------------------------------------------------

function expand(v: Json, tokens: Record<string, string>): Json {
  if (typeof v === 'string') return v.replace(/\{([A-Za-z0-9]+)\}/g, (all, t: string) => tokens[t] ?? all);
  if (Array.isArray(v)) return v.map((x) => expand(x, tokens));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [expand(k, tokens) as string, expand(x, tokens)]));
  return v;
}

/** Sets (or deletes) a dotted path inside `obj`, creating objects on the way; no-op on non-objects. */
function setPath(obj: unknown, path: string, value: Json | '<delete>'): void {
  const keys = path.split('.');
  let o = obj as Record<string, unknown> | null;
  for (const key of keys.slice(0, -1)) {
    if (o === null || typeof o !== 'object') return;
    if (o[key] === undefined) o[key] = {};
    o = o[key] as Record<string, unknown> | null;
  }
  if (o === null || typeof o !== 'object') return;
  const last = keys[keys.length - 1]!;
  if (value === '<delete>') delete o[last];
  else o[last] = value;
}

function editJson(text: string, edit: (v: unknown) => unknown): string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return text;
  }
  return `${JSON.stringify(edit(v), null, 2)}\n`;
}

const nth = <T>(xs: readonly T[], i: number): T | undefined => (xs.length === 0 ? undefined : xs[i % xs.length]);

function replaceAll(m: ArchiveModel, from: string, to: string): void {
  if (!from) return;
  m.header = JSON.parse(JSON.stringify(m.header).split(from).join(to)) as Record<string, unknown>;
  m.vmadm = m.vmadm.split(from).join(to);
  m.manifests = m.manifests.map((x) => ({ name: x.name.split(from).join(to), text: x.text.split(from).join(to) }));
}

function allGuids(header: Record<string, unknown>): string[] {
  const streams = (header.streams ?? []) as Array<{ snapshots?: Array<{ guid?: string }> }>;
  return streams.flatMap((s) => (s.snapshots ?? []).map((x) => String(x.guid)));
}

/** Applies `mu` to `m` in place. */
export function applyMutation(m: ArchiveModel, mu: Mutation, ctx: MutationContext): void {
  const tokens = { ...ctx.tokens, zone: String((m.header.zone as { uuid?: unknown })?.uuid), ZONE: String((m.header.zone as { uuid?: unknown })?.uuid).toUpperCase() };
  const val = (v: Json | '<delete>'): Json | '<delete>' => (v === '<delete>' ? v : expand(v, tokens));
  const streams = (m.header.streams ?? []) as Array<Record<string, unknown>>;
  const images = (m.header.images ?? []) as Array<Record<string, unknown>>;
  switch (mu.k) {
    case 'header':
      return setPath(m.header, mu.path, val(mu.value));
    case 'stream':
      return setPath(nth(streams, mu.index), mu.path, val(mu.value));
    case 'image':
      return setPath(nth(images, mu.index), mu.path, val(mu.value));
    case 'rename': {
      const from = mu.from === '{zone}' ? tokens.zone : (images[mu.from === 'image0' ? 0 : 1]?.uuid as string | undefined);
      return replaceAll(m, from ?? '', expand(mu.to, tokens) as string);
    }
    case 'vmadm':
      m.vmadm = editJson(m.vmadm, (v) => (setPath(v, mu.path, val(mu.value)), v));
      return;
    case 'vmadm-text':
      m.vmadm = expand(mu.text, tokens) as string;
      return;
    case 'manifest': {
      const e = nth(m.manifests, mu.index);
      if (e) e.text = editJson(e.text, (v) => (setPath(v, mu.path, val(mu.value)), v));
      return;
    }
    case 'manifest-text': {
      const e = nth(m.manifests, mu.index);
      if (e) e.text = mu.text;
      return;
    }
    case 'begin': {
      const s = nth(streams, mu.index);
      const bytes = s ? m.streams.get(String(s.id)) : undefined;
      if (!s || !bytes) return;
      const guid = mu.guid === '0' ? '0' : nth(mu.guid.from === 'archive' ? allGuids(m.header) : ctx.hostGuids, mu.guid.index);
      if (guid === undefined) return;
      m.streams.set(String(s.id), rewriteBegin(bytes, { [mu.field]: guid }));
      return;
    }
  }
}
