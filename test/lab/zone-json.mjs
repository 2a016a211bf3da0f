// Prints a zone's `vmadm get` JSON (stdin) in a stable form for comparison:
// keys sorted, and the fields that legitimately change on restore or on another
// host removed (SmartOS FACTS: zoneid, zonedid, pid, timestamps of the boot, host data).
const VOLATILE = new Set([
  'zoneid', 'zonedid', 'pid', 'boot_timestamp', 'last_modified', 'exit_status', 'exit_timestamp',
  'server_uuid', 'platform_buildstamp', 'datacenter_name', 'headnode_id', 'state', 'zone_state',
]);
const sort = (v) => Array.isArray(v) ? v.map(sort)
  : v && typeof v === 'object'
    ? Object.fromEntries(Object.keys(v).sort().filter((k) => !VOLATILE.has(k)).map((k) => [k, sort(v[k])]))
    : v;
let s = '';
process.stdin.on('data', (d) => { s += d; });
process.stdin.on('end', () => { process.stdout.write(JSON.stringify(sort(JSON.parse(s)), null, 1) + '\n'); });
