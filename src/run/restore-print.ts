// The restore plan as the exact commands it will run (for --dry-run).
import { quoteArgv, type Log } from './commands.js';
import type { RestorePlan } from '../plan/restore-plan.js';
import { humanBytes } from '../model/bytes.js';
import { printable } from '../model/printable.js';

export function printRestorePlan(plan: RestorePlan, rawLog: Log): void {
  // Alias and image names come from the archive.
  const log: Log = (line) => rawLog(printable(line));
  let n = 1;
  const step = (s: string): void => log(`  ${n++}. ${s}`);
  log(`plan: restore zone ${plan.uuid}${plan.alias ? ` (${plan.alias})` : ''} into pool ${plan.pool}`);
  if (plan.space) {
    const freed = plan.space.freed > 0 ? ` (${humanBytes(plan.space.freed)} of it freed by the replaced zone)` : '';
    log(`  space: needs about ${humanBytes(plan.space.needed)}; pool has ${humanBytes(plan.space.available)}${freed}`);
  }
  if (plan.replaces) {
    log(`  WARNING: --force replaces the existing zone; these datasets are destroyed: ${plan.replaces.datasets.join(', ')}`);
    step(quoteArgv(['vmadm', 'delete', plan.uuid]));
  }
  for (const img of plan.images) {
    const label = `image ${img.image.uuid} (${img.image.name}@${img.image.version})`;
    if (img.action === 'present') {
      log(`  -  ${label} already installed with the same @final GUID ${img.image.finalGuid}: skip`);
      continue;
    }
    step(`write /var/imgadm/images/${plan.pool}-${img.image.uuid}.json (manifest)`);
    step(`${quoteArgv(['zfs', 'receive', `${img.dataset}-partial`])} < stream ${img.image.streamId}`);
    step(quoteArgv(['zfs', 'rename', `${img.dataset}-partial`, img.dataset]));
  }
  step(`vmadm create < payload (autoboot=false; ${plan.payloadChanges.join(', ') || 'unchanged'})`);
  step(quoteArgv(['vmadm', 'stop', plan.uuid, '-F']) + '   # if running');
  step(quoteArgv(['zfs', 'umount', plan.cores]));
  for (const ds of plan.replaceAfterCreate) step(quoteArgv(['zfs', 'destroy', '-fr', ds]));
  for (const r of plan.receives) step(`${quoteArgv(r.argv)} < stream ${r.stream.id} (${r.stream.kind}, ${r.stream.snapshots.length} snapshots)`);
  if (plan.createTimestamp) step(`zonecfg -z ${plan.uuid} (create-timestamp=${plan.createTimestamp})`);
  step(quoteArgv(['zfs', 'mount', plan.cores]));
  if (plan.start) step(quoteArgv(['vmadm', 'start', plan.uuid]));
  step(quoteArgv(['vmadm', 'update', plan.uuid, `autoboot=${plan.autoboot}`]));
  for (const i of plan.indestructible) {
    step(i.snapshotReceived ? quoteArgv(['zfs', 'hold', 'do_not_destroy', `${i.dataset}@indestructible`]) : quoteArgv(['vmadm', 'update', plan.uuid, `${i.flag}=true`]));
  }
}
