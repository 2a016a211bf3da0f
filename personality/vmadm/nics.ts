// NIC handling for create: fill in MAC/interface/primary and the ip<->ips
// forms, check models and tags, and refuse MACs/IPs another VM already uses.
import { randomBytes } from 'node:crypto';
import { BRAND_TABLE, HVM_BRANDS, type Brand } from './proptable.js';
import { has, objectsOf, PayloadError, type SubObject } from './payload-types.js';

/** Field order vmadm get shows for a NIC; other fields follow. */
const NIC_ORDER = ['interface', 'mac', 'nic_tag', 'vlan_id', 'gateway', 'gateways', 'netmask', 'ip', 'ips', 'network_uuid', 'model', 'primary'];

export function generateMac(): string {
  const tail = [...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'));
  return ['90', 'b8', 'd0', ...tail].join(':');
}

function prefixLength(netmask: string): number | undefined {
  const parts = netmask.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => Number.isNaN(p))) return undefined;
  return parts.reduce((bits, p) => bits + p.toString(2).replace(/0/g, '').length, 0);
}

function netmaskOf(prefix: number): string {
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (mask >>> s) & 255).join('.');
}

const AUTOCONF = ['dhcp', 'addrconf'];

/** Fills ip/netmask from ips and the reverse, gateway from gateways and the reverse. */
function upgradeAddresses(nic: SubObject): void {
  if (!has(nic, 'ips') && typeof nic['ip'] === 'string') {
    const ip = nic['ip'];
    const plen = typeof nic['netmask'] === 'string' ? prefixLength(nic['netmask']) : undefined;
    nic['ips'] = [AUTOCONF.includes(ip) || plen === undefined ? ip : `${ip}/${plen}`];
  }
  if (!has(nic, 'ip') && Array.isArray(nic['ips'])) {
    const first = nic['ips'].find((a: unknown) => typeof a === 'string' && (AUTOCONF.includes(a) || /^\d+\.\d+\.\d+\.\d+\//.test(a)));
    if (typeof first === 'string') {
      const [addr, plen] = first.split('/');
      nic['ip'] = addr;
      if (plen !== undefined && !has(nic, 'netmask')) nic['netmask'] = netmaskOf(Number(plen));
    }
  }
  if (!has(nic, 'gateways') && typeof nic['gateway'] === 'string') nic['gateways'] = [nic['gateway']];
  if (!has(nic, 'gateway') && Array.isArray(nic['gateways']) && typeof nic['gateways'][0] === 'string') {
    nic['gateway'] = nic['gateways'][0];
  }
}

function ordered(nic: SubObject): SubObject {
  const out: SubObject = {};
  for (const k of NIC_ORDER) if (has(nic, k)) out[k] = nic[k];
  for (const [k, v] of Object.entries(nic)) if (!has(out, k)) out[k] = v;
  return out;
}

/** normalizeNics + upgradeNicAdds + the NIC checks of checkPayloadProperties(). */
export function normalizeNics(rawNics: unknown, brand: Brand): SubObject[] {
  const nics = objectsOf(rawNics);
  const prefix = BRAND_TABLE[brand].nicPrefix;
  const used = new Set<unknown>(nics.map((n) => n['interface']).filter((i) => typeof i === 'string'));
  let next = 0;
  for (const nic of nics) {
    if (!has(nic, 'mac')) nic['mac'] = generateMac();
    if (has(nic, 'primary')) {
      if (nic['primary'] === true || nic['primary'] === 'true' || nic['primary'] === '1' || nic['primary'] === 1) nic['primary'] = true;
      else delete nic['primary'];
    }
    if (!has(nic, 'interface')) {
      while (used.has(`${prefix}${next}`)) next++;
      nic['interface'] = `${prefix}${next}`;
      used.add(nic['interface']);
    }
    if (HVM_BRANDS.includes(brand) && (typeof nic['model'] !== 'string' || nic['model'].length === 0 || nic['model'] === 'undefined')) {
      throw new PayloadError(`missing .model option for NIC: ${JSON.stringify(nic)}`);
    }
    if (typeof nic['nic_tag'] !== 'string' || !/^[a-zA-Z0-9_/]+$/.test(nic['nic_tag'])) {
      throw new PayloadError(`invalid or missing .nic_tag option for NIC: ${JSON.stringify(nic)}`);
    }
    upgradeAddresses(nic);
  }
  const primaries = nics.filter((n) => n['primary'] === true).length;
  if (primaries > 1) throw new PayloadError('payload specifies more than 1 primary NIC');
  if (primaries === 0 && nics[0]) nics[0]['primary'] = true;
  return nics.map(ordered);
}

/** A NIC of an existing VM, as far as conflict checks care. */
export interface ExistingNic {
  mac?: string | undefined;
  ips: readonly string[];
  nic_tag?: string | undefined;
  vlan_id?: number | undefined;
}

/** True when a new NIC reuses a MAC, or an IP on the same tag+VLAN, of another VM. */
export function hasConflict(nics: readonly SubObject[], existing: readonly ExistingNic[]): boolean {
  for (const nic of nics) {
    if (existing.some((e) => e.mac !== undefined && e.mac === nic['mac'])) return true;
    const ips = Array.isArray(nic['ips']) ? nic['ips'].filter((i): i is string => typeof i === 'string' && !AUTOCONF.includes(i)) : [];
    for (const ip of ips) {
      if (existing.some((e) => e.nic_tag === nic['nic_tag'] && e.vlan_id === nic['vlan_id'] && e.ips.includes(ip))) return true;
    }
  }
  return false;
}

/** Fails with nictagadm's wording when a NIC names a tag the host does not have. */
export function checkNicTags(nics: readonly SubObject[], hostTags: ReadonlySet<string> | undefined): void {
  if (!hostTags) return;
  const bad = nics.map((n) => n['nic_tag']).filter((t): t is string => typeof t === 'string' && !hostTags.has(t));
  if (bad.length > 0) throw new PayloadError(bad.map((t) => `Invalid nic tag "${t}"`).join('\n'));
}
