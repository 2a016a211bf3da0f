// `vmadm lookup` and `vmadm list`: filters on flattened fields (nics.*.mac,
// tags.role, ~regex), lookup's JSON/uuid output and list's table. Pure.

export type VmObject = Record<string, unknown>;

/** VM.flatten: walks "a.b.0.c" through objects and arrays. */
export function flatten(vm: VmObject, key: string): unknown {
  let cur: unknown = vm;
  for (const part of key.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** SmartOS writes MACs without leading zeros sometimes; compare normalized. */
function fixMac(mac: string): string {
  return mac
    .split(':')
    .map((p) => p.padStart(2, '0'))
    .join(':')
    .toLowerCase();
}

/** True when the VM matches every `key=value` (value "~re" is a case-insensitive regex). */
export function matches(vm: VmObject, search: Record<string, string>): boolean {
  for (const [key, target] of Object.entries(search)) {
    const regex = target.startsWith('~') ? new RegExp(target.slice(1), 'i') : undefined;
    const fields = key.split('.');
    let keys = [key];
    const list = fields[0] !== undefined ? vm[fields[0]] : undefined;
    if (fields.length === 3 && fields[1] === '*' && Array.isArray(list)) {
      keys = list.map((_, i) => `${fields[0]}.${i}.${fields[2]}`);
    }
    const found = keys.some((k) => {
      const value = flatten(vm, k);
      if (value === undefined || value === null) return false;
      if (regex) return regex.test(String(value));
      const want = /^nics\..*\.mac$/.test(k) ? fixMac(target) : target;
      return String(value) === want;
    });
    if (!found) return false;
  }
  return true;
}

const TYPE_OF_BRAND: Record<string, string> = { joyent: 'OS', 'joyent-minimal': 'OS', lx: 'LX', kvm: 'KVM', bhyve: 'BHYV' };

/** vmadm's addFakeFields(): `type`, and `ram` for OS zones (their max_physical_memory). */
export function addFakeFields(vm: VmObject): VmObject {
  vm['type'] = TYPE_OF_BRAND[String(vm['brand'])] ?? 'OS';
  if (vm['brand'] !== 'kvm' && vm['brand'] !== 'bhyve') vm['ram'] = vm['max_physical_memory'];
  return vm;
}

/** Column headers and widths of `vmadm list`. */
export const LIST_FIELDS: Record<string, { header: string; width: number }> = {
  alias: { header: 'ALIAS', width: 10 },
  autoboot: { header: 'AUTOBOOT', width: 8 },
  billing_id: { header: 'BILLING_ID', width: 36 },
  boot_timestamp: { header: 'BOOT_TIMESTAMP', width: 24 },
  brand: { header: 'BRAND', width: 14 },
  cpu_cap: { header: 'CPU_CAP', width: 7 },
  cpu_shares: { header: 'CPU_SHARE', width: 9 },
  create_timestamp: { header: 'CREATE_TIMESTAMP', width: 24 },
  dns_domain: { header: 'DOMAIN', width: 32 },
  exit_status: { header: 'EXIT', width: 4 },
  exit_timestamp: { header: 'EXIT_TIMESTAMP', width: 24 },
  firewall_enabled: { header: 'FIREWALL_ENABLED', width: 16 },
  flexible_disk_size: { header: 'FLEX_DISK_SIZE', width: 14 },
  free_space: { header: 'FREE_SPACE', width: 14 },
  hostname: { header: 'HOSTNAME', width: 32 },
  hvm: { header: 'HVM', width: 5 },
  image_uuid: { header: 'IMAGE_UUID', width: 36 },
  indestructible_delegated: { header: 'INDESTR_DATA', width: 12 },
  indestructible_zoneroot: { header: 'INDESTR_ROOT', width: 12 },
  ram: { header: 'RAM', width: 7 },
  max_locked_memory: { header: 'MAX_LOCKED', width: 10 },
  max_lwps: { header: 'MAX_LWP', width: 7 },
  max_physical_memory: { header: 'MAX_PHYS', width: 8 },
  max_swap: { header: 'MAX_SWAP', width: 8 },
  owner_uuid: { header: 'OWNER_UUID', width: 36 },
  pid: { header: 'PID', width: 6 },
  quota: { header: 'QUOTA', width: 5 },
  zone_state: { header: 'ZONE_STATE', width: 10 },
  state: { header: 'STATE', width: 16 },
  tmpfs: { header: 'TMPFS', width: 5 },
  type: { header: 'TYPE', width: 4 },
  uuid: { header: 'UUID', width: 36 },
  vcpus: { header: 'VCPUS', width: 5 },
  zfs_io_priority: { header: 'IO_PRIORITY', width: 11 },
  zpool: { header: 'ZPOOL', width: 12 },
  zonename: { header: 'ZONENAME', width: 12 },
  zonepath: { header: 'ZONEPATH', width: 40 },
  zoneid: { header: 'ZONEID', width: 6 },
};

function columnOf(field: string): { header: string; width: number } | undefined {
  const known = LIST_FIELDS[field];
  if (known) return known;
  const parts = field.split('.');
  if ((parts.length === 3 && ['disks', 'nics', 'filesystems'].includes(parts[0] ?? '')) || (parts.length === 2 && ['tags', 'customer_metadata', 'internal_metadata'].includes(parts[0] ?? ''))) {
    return { header: field.toUpperCase(), width: 20 };
  }
  return undefined;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  if ((a as number) > (b as number) || (!a && b)) return 1;
  if ((a as number) < (b as number) || (a && !b)) return -1;
  return 0;
}

export interface ListOptions {
  order: string;
  sortby: string;
  parsable: boolean;
  header: boolean;
}

/** Formats `vmadm list` output lines (throws Error with vmadm's message for bad fields). */
export function formatList(vms: VmObject[], opts: ListOptions): string[] {
  const sortFields = opts.sortby.split(',');
  for (const f of sortFields) if (!columnOf(f.replace(/^[+-]/, ''))) throw new Error(`invalid sort field: ${f}`);
  const order = opts.order.split(',');
  for (const f of order) if (!columnOf(f)) throw new Error(`invalid order field: ${f}`);
  const sorted = [...vms].sort((a, b) => {
    for (const raw of sortFields) {
      const dir = raw.startsWith('-') ? -1 : 1;
      const f = raw.replace(/^[+-]/, '');
      const c = compare(flatten(a, f), flatten(b, f));
      if (c !== 0) return c * dir;
    }
    return 0;
  });
  const line = (values: string[]): string =>
    opts.parsable ? values.join(':') : values.map((v, i) => v.padEnd(columnOf(order[i] ?? '')?.width ?? 0)).join('  ').trimEnd();
  const lines: string[] = [];
  if (opts.header) lines.push(line(order.map((f) => columnOf(f)?.header ?? f)));
  for (const vm of sorted) {
    lines.push(
      line(
        order.map((f) => {
          const v = flatten(vm, f);
          if (v || v === 0) return String(v);
          return opts.parsable ? '' : '-';
        }),
      ),
    );
  }
  return lines;
}
