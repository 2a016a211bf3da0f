// vmadm properties that give a zone reach into the global zone (its files, its
// privileges, its hardware) or past the host's network protections. An archive can
// carry any of them, so restore withholds them unless the operator asks
// (--allow-global-reach). The list, its reasons and its sources: docs/SMARTOS.md,
// "Properties with global-zone reach". Pure.

/** Top-level properties, with why each is withheld. */
const TOP: ReadonlyArray<readonly [string, string]> = [
  ['filesystems', 'mounts of global-zone paths (lofs) into the zone'],
  ['fs_allowed', 'lets the zone mount more filesystem types itself'],
  ['pci_devices', 'passes host PCI devices through to the VM'],
];

/** Per-nic flags that lift the host's anti-spoofing and traffic filters. */
const NIC_FLAGS: ReadonlyArray<readonly [string, string]> = [
  ['allow_ip_spoofing', 'may send as any IP address'],
  ['allow_mac_spoofing', 'may send as any MAC address'],
  ['allow_dhcp_spoofing', 'may act as a DHCP server'],
  ['allow_restricted_traffic', 'may send non-IP traffic'],
  ['allow_unfiltered_promisc', 'sees all traffic on the link'],
  ['allowed_ips', 'may send as the listed extra addresses'],
];

/**
 * limit_priv tokens that only take privileges away ("-net_access", "!proc_fork") or
 * name the zone default cannot reach further than a zone without limit_priv.
 */
function addedPrivileges(limitPriv: unknown): string[] {
  const tokens = Array.isArray(limitPriv) ? limitPriv.map(String) : typeof limitPriv === 'string' ? limitPriv.split(',') : [];
  return tokens.filter((t) => t !== '' && t !== 'default' && !t.startsWith('-') && !t.startsWith('!'));
}

const present = (v: unknown): boolean => v !== undefined && v !== null && v !== false && !(Array.isArray(v) && v.length === 0);

export interface GlobalReach {
  /** What the payload had, e.g. "filesystems (mounts of global-zone paths (lofs) into the zone)". */
  found: string[];
  /** Removes those properties from a payload (a copy of the saved JSON). */
  strip(payload: Record<string, unknown>): void;
}

/** The global-reach properties `vm` carries. */
export function findGlobalReach(vm: Record<string, unknown>): GlobalReach {
  const found: string[] = [];
  const nicKeys: Array<[number, string]> = [];
  for (const [key, why] of TOP) if (present(vm[key])) found.push(`${key} (${why})`);
  const added = addedPrivileges(vm.limit_priv);
  if (added.length > 0) found.push(`limit_priv (adds privileges beyond the zone default: ${added.join(', ')})`);
  const nics = Array.isArray(vm.nics) ? (vm.nics as unknown[]) : [];
  nics.forEach((nic, i) => {
    if (typeof nic !== 'object' || nic === null) return;
    for (const [key, why] of NIC_FLAGS) {
      if (!present((nic as Record<string, unknown>)[key])) continue;
      found.push(`nics.${i}.${key} (${why})`);
      nicKeys.push([i, key]);
    }
  });
  return {
    found,
    strip(payload) {
      for (const [key] of TOP) delete payload[key];
      // Without it vmadm gives the brand's default set, which the archive's list could only widen.
      if (added.length > 0) delete payload.limit_priv;
      const out = payload.nics;
      if (!Array.isArray(out)) return;
      for (const [i, key] of nicKeys) {
        const nic = out[i] as Record<string, unknown> | undefined;
        if (nic) delete nic[key];
      }
    },
  };
}
