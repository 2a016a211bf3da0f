// Which payload properties each brand accepts on `vmadm create`, and their
// types: the facts SmartOS keeps in proptable.js, written down as data here.
// Anything not listed for the brand is dropped with a warning, as VM.js does.

export const BRANDS = ['joyent', 'joyent-minimal', 'lx', 'kvm', 'bhyve'] as const;
export type Brand = (typeof BRANDS)[number];

export function isBrand(value: unknown): value is Brand {
  return typeof value === 'string' && (BRANDS as readonly string[]).includes(value);
}

export const HVM_BRANDS: readonly Brand[] = ['kvm', 'bhyve'];

const words = (s: string): string[] => s.trim().split(/\s+/);

const OS_CREATE = words(`alias archive_on_delete autoboot billing_id brand cpu_cap cpu_shares
  customer_metadata dataset_uuid delegate_dataset dns_domain do_not_inventory filesystems
  firewall_enabled fs_allowed hostname image_uuid indestructible_delegated indestructible_zoneroot
  init_name internal_metadata internal_metadata_namespaces limit_priv maintain_resolvers
  max_locked_memory max_lwps max_msg_ids max_physical_memory max_sem_ids max_shm_ids max_shm_memory
  max_swap mdata_exec_timeout nics nowait owner_uuid package_name package_version quota ram
  resolvers restart_init routes tags tmpfs uuid zfs_data_compression zfs_data_recsize
  zfs_filesystem_limit zfs_io_priority zfs_root_compression zfs_root_recsize zfs_snapshot_limit
  zfs_storage_pool_name zlog_max_size zonename zpool`);

const HVM_COMMON = words(`alias archive_on_delete autoboot billing_id boot brand cpu_cap cpu_shares
  customer_metadata disk_driver disks do_not_inventory firewall_enabled hostname image_uuid
  indestructible_delegated indestructible_zoneroot internal_metadata internal_metadata_namespaces
  limit_priv max_locked_memory max_lwps max_msg_ids max_physical_memory max_sem_ids max_shm_ids
  max_shm_memory max_swap nic_driver nics owner_uuid quota ram resolvers routes tags uuid vcpus
  vnc_password vnc_port zfs_filesystem_limit zfs_io_priority zfs_root_compression zfs_root_recsize
  zfs_snapshot_limit zone_dataset_uuid zonename zpool`);

const OS_NIC = words(`allow_dhcp_spoofing allow_ip_spoofing allow_mac_spoofing allow_restricted_traffic
  allowed_dhcp_cids allowed_ips blocked_outgoing_ports dhcp_server gateway gateways interface ip ips
  mac mtu netmask network_uuid nic_tag primary vlan_id vrrp_primary_ip vrrp_vrid`);
const KVM_NIC = [...OS_NIC, 'allow_unfiltered_promisc', 'model'];
const BHYVE_NIC = KVM_NIC.filter((p) => p !== 'allowed_dhcp_cids');

const KVM_DISK = words(`block_size boot compression image_name image_size image_uuid media model nocreate
  path refreservation size zpool`);
const BHYVE_DISK = [...KVM_DISK.filter((p) => p !== 'image_name'), 'guest_block_size', 'notrim', 'pci_slot', 'uuid'];
const FILESYSTEM = words('options raw source target type');

interface BrandTable {
  create: ReadonlySet<string>;
  /** Sub-properties of nics/disks/filesystems entries, keyed "nics.*.mac". */
  sub: ReadonlySet<string>;
  required: readonly string[];
  zonerootImageTypes: readonly string[];
  diskModels: readonly string[];
  nicPrefix: string;
}

const sub = (prefix: string, props: readonly string[]): string[] => props.map((p) => `${prefix}.*.${p}`);

const osTable = (extra: string[], required: string[], imageTypes: string[]): BrandTable => ({
  create: new Set([...OS_CREATE, ...extra]),
  sub: new Set([...sub('nics', OS_NIC), ...sub('filesystems', FILESYSTEM)]),
  required: ['brand', 'image_uuid', ...required],
  zonerootImageTypes: imageTypes,
  diskModels: [],
  nicPrefix: 'net',
});

export const BRAND_TABLE: Record<Brand, BrandTable> = {
  joyent: osTable([], [], ['zone-dataset']),
  'joyent-minimal': osTable(['docker'], [], ['zone-dataset']),
  lx: { ...osTable(['docker', 'kernel_version'], ['kernel_version'], ['docker', 'lx-dataset']), nicPrefix: 'eth' },
  kvm: {
    create: new Set([...HVM_COMMON, ...words('cpu_type qemu_extra_opts qemu_opts spice_opts spice_password spice_port vga virtio_txburst virtio_txtimer zfs_storage_pool_name')]),
    sub: new Set([...sub('nics', KVM_NIC), ...sub('disks', KVM_DISK)]),
    required: ['brand'],
    zonerootImageTypes: ['zone-dataset'],
    diskModels: ['virtio', 'scsi', 'ide'],
    nicPrefix: 'net',
  },
  bhyve: {
    create: new Set([...HVM_COMMON, ...words('add_pci_devices bhyve_extra_opts bootrom com1 com2 flexible_disk_size pci_devices')]),
    sub: new Set([...sub('nics', BHYVE_NIC), ...sub('disks', BHYVE_DISK), 'pci_devices.*.path', 'pci_devices.*.pci_slot']),
    required: [],
    zonerootImageTypes: ['zone-dataset'],
    diskModels: ['virtio', 'ahci', 'nvme'],
    nicPrefix: 'net',
  },
};

export type PropType = 'string' | 'integer' | 'boolean' | 'uuid' | 'list' | 'flat-object' | 'object-array' | 'zpool';

interface PropSpec {
  type: PropType;
  min?: number;
  max?: number;
}

const INTEGER_PROPS = words(`cpu_cap cpu_shares flexible_disk_size max_locked_memory max_lwps max_msg_ids
  max_physical_memory max_sem_ids max_shm_ids max_shm_memory mdata_exec_timeout quota ram tmpfs
  virtio_txburst virtio_txtimer zfs_data_recsize zfs_filesystem_limit zfs_io_priority zfs_root_recsize
  zfs_snapshot_limit zlog_max_size disks.*.block_size disks.*.image_size disks.*.refreservation disks.*.size`);
const BOOLEAN_PROPS = words(`archive_on_delete autoboot delegate_dataset do_not_inventory docker firewall_enabled
  indestructible_delegated indestructible_zoneroot maintain_resolvers nowait restart_init disks.*.boot
  disks.*.nocreate disks.*.notrim nics.*.allow_dhcp_spoofing nics.*.allow_ip_spoofing
  nics.*.allow_mac_spoofing nics.*.allow_restricted_traffic nics.*.allow_unfiltered_promisc
  nics.*.dhcp_server nics.*.primary`);
const UUID_PROPS = words('dataset_uuid image_uuid uuid zone_dataset_uuid disks.*.image_uuid disks.*.uuid nics.*.network_uuid');
const LIST_PROPS = words(`fs_allowed internal_metadata_namespaces limit_priv resolvers filesystems.*.options
  nics.*.allowed_dhcp_cids nics.*.allowed_ips nics.*.blocked_outgoing_ports nics.*.gateways nics.*.ips`);
const FLAT_OBJECT_PROPS = words('customer_metadata internal_metadata routes tags');
const OBJECT_ARRAY_PROPS = words('add_pci_devices disks filesystems nics pci_devices');

const SPECIAL: Record<string, PropSpec> = {
  max_swap: { type: 'integer', min: 256 },
  vcpus: { type: 'integer', min: 1 },
  spice_port: { type: 'integer', min: -1 },
  vnc_port: { type: 'integer', min: -1 },
  'nics.*.mtu': { type: 'integer', min: 576, max: 9000 },
  'nics.*.vlan_id': { type: 'integer', min: 0, max: 4095 },
  'nics.*.vrrp_vrid': { type: 'integer', min: 0, max: 255 },
  zpool: { type: 'zpool' },
  zfs_storage_pool_name: { type: 'zpool' },
};

/** The type of a payload property ("nics.*.mac" style for sub-properties); strings by default. */
export function propSpec(prop: string): PropSpec {
  const special = SPECIAL[prop];
  if (special) return special;
  if (INTEGER_PROPS.includes(prop)) return { type: 'integer', min: 0 };
  if (BOOLEAN_PROPS.includes(prop)) return { type: 'boolean' };
  if (UUID_PROPS.includes(prop)) return { type: 'uuid' };
  if (LIST_PROPS.includes(prop)) return { type: 'list' };
  if (FLAT_OBJECT_PROPS.includes(prop)) return { type: 'flat-object' };
  if (OBJECT_ARRAY_PROPS.includes(prop)) return { type: 'object-array' };
  return { type: 'string' };
}

/** Compression values VM.js accepts for zfs_*_compression and disks.*.compression. */
export const COMPRESSION_TYPES = ['on', 'off', 'gzip', 'gzip-1', 'gzip-2', 'gzip-3', 'gzip-4', 'gzip-5', 'gzip-6', 'gzip-7', 'gzip-8', 'gzip-9', 'lz4', 'lzjb', 'zle'];

export const DEFAULT_QUOTA_GIB = 10;
export const DEFAULT_BHYVE_QUOTA_GIB = 1;
/** Memory added on top of `ram` for max_physical_memory by default (MiB). */
export const DEFAULT_MEMORY_OVERHEAD: Partial<Record<Brand, number>> = { kvm: 1024, bhyve: 1280 };
export const MIN_MEMORY_OVERHEAD: Partial<Record<Brand, number>> = { kvm: 256, bhyve: 256 };
export const HVM_LIMIT_PRIV = 'default,-file_link_any,-net_access,-proc_fork,-proc_info,-proc_session';
