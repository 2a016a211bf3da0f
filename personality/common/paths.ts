// Every host path the personality touches is mapped under ZBAK_ROOT, so the
// same code runs on a real host (root "/") and inside a test's temp dir.
import path from 'node:path';

/** The host root directory: $ZBAK_ROOT or "/". */
export function hostRoot(): string {
  const root = process.env['ZBAK_ROOT'];
  return root && root.length > 0 ? path.resolve(root) : '/';
}

/** Maps an absolute host path (e.g. /etc/zones/x.json) to where it lives on disk. */
export function hostPath(absolute: string): string {
  return path.join(hostRoot(), absolute);
}

/** Our stand-in for /etc/zones/<uuid>.xml. */
export function zoneConfigPath(uuid: string): string {
  return hostPath(`/etc/zones/${uuid}.json`);
}

export function zoneConfigDir(): string {
  return hostPath('/etc/zones');
}

/** imgadm's manifest database entry, exactly as SmartOS names it. */
export function imageDbPath(zpool: string, uuid: string): string {
  return hostPath(`/var/imgadm/images/${zpool}-${uuid}.json`);
}

export function imageDbDir(): string {
  return hostPath('/var/imgadm/images');
}

/** <zonepath>/config, inside the zoneroot so it travels with its stream. */
export function zoneConfigFilesDir(zonepath: string): string {
  return hostPath(path.posix.join(zonepath, 'config'));
}
