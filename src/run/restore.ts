// `zbak restore`: verify the whole archive, plan against the host (refusing
// before any change), then install missing images, `vmadm create`, stop,
// replace the fresh datasets with the received streams, and put back
// create_timestamp, autoboot and the running state. Every change is recorded
// on an undo list that runs if a later step fails.
import type { Readable } from 'node:stream';
import { readStreams, type VerifiedArchive } from '../archive/reader.js';
import type { StreamSpec } from '../archive/format.js';
import { HostCommandError, ZbakError } from '../errors.js';
import type { Host } from '../host/host.js';
import { parseVmadmGet } from '../parse/vmadm.js';
import { planRestore, type RestoreOptions, type RestorePlan } from '../plan/restore-plan.js';
import { must, quoteArgv, succeeded, type Log } from './commands.js';
import { listPool, listVms, poolAvailable } from './gather.js';
import { installImage } from './install-image.js';
import { receiveFrom } from './streams.js';
import { printRestorePlan } from './restore-print.js';
import { UndoList } from './undo.js';
import { createTimestampArgv } from '../host/zonecfg.js';
import { counted, silentProgress, tracked, type Progress } from './progress.js';
import { verifyWithProgress } from './verify.js';

export interface RestoreRunOptions extends RestoreOptions {
  dryRun?: boolean;
  /** Aborts the restore (SIGINT/SIGTERM): the undo list runs. */
  signal?: AbortSignal;
  /** Told the bytes of the verify pass and of each stream as they go by. */
  progress?: Progress;
}

export interface RestoreResult {
  plan: RestorePlan;
  verified: VerifiedArchive;
}

export async function runRestore(host: Host, file: string, opts: RestoreRunOptions, log: Log): Promise<RestoreResult> {
  const progress = opts.progress ?? silentProgress;
  const verified = await verifyWithProgress(file, progress);
  log(`verified ${file}: ${verified.header.streams.length} streams, checksums match`);
  const vmJson = verified.vm;
  const pool = verified.header.source.pool;
  const makePlan = async (): Promise<RestorePlan> =>
    planRestore(
      verified.header,
      vmJson,
      { vms: await listVms(host), rows: await listPool(host, pool), poolAvailable: await poolAvailable(host, pool) },
      opts,
    );
  if (opts.dryRun) {
    const plan = await makePlan();
    printRestorePlan(plan, log);
    return { plan, verified };
  }

  // Lock before looking at the host, so the plan (conflicts, images present)
  // cannot be made stale by another zbak working on the same zone.
  const unlock = await host.lock(opts.newUuid ?? verified.header.zone.uuid);
  try {
    return await execute(host, file, verified, await makePlan(), opts, log);
  } finally {
    await unlock();
  }
}

async function execute(
  host: Host,
  file: string,
  verified: VerifiedArchive,
  plan: RestorePlan,
  opts: RestoreRunOptions,
  log: Log,
): Promise<RestoreResult> {
  const undo = new UndoList(host, log);
  let step = 'prepare';
  try {
    if (plan.replaces) {
      step = `delete existing zone ${plan.uuid} (--force)`;
      log(`replacing existing zone ${plan.uuid}: its datasets ${plan.replaces.datasets.join(', ')} are destroyed`);
      await must(host, ['vmadm', 'delete', plan.uuid], step);
    }
    let created = false;
    const createZone = async (): Promise<void> => {
      step = 'vmadm create';
      await must(host, ['vmadm', 'create'], `create zone ${plan.uuid} (vmadm create)`, {
        input: JSON.stringify(plan.createPayload),
      });
      undo.push(`delete zone ${plan.uuid}`, ['vmadm', 'delete', plan.uuid], [plan.zoneroot, plan.cores]);
      step = 'stop the new zone';
      await stopIfRunning(host, plan.uuid);
      step = `unmount ${plan.cores}`;
      await host.run(['zfs', 'umount', plan.cores]); // not mounted is fine
      for (const ds of plan.replaceAfterCreate) {
        step = `destroy the fresh ${ds}`;
        const r = await host.run(['zfs', 'destroy', '-fr', ds]);
        if (!succeeded(r) && !/does not exist/.test(r.stderrTail)) throw new HostCommandError(step, r);
      }
      created = true;
    };

    const progress = opts.progress ?? silentProgress;
    await readStreams(file, verified, async (spec: StreamSpec, data: Readable) => {
      opts.signal?.throwIfAborted();
      // An interrupt stops the stream feeding zfs receive; the receive then fails and undo runs.
      const stop = (): void => void data.destroy(opts.signal!.reason as Error);
      opts.signal?.addEventListener('abort', stop, { once: true });
      const size = verified.trailer.streams.find((t) => t.id === spec.id)?.size;
      try {
        await tracked(progress, `${spec.id} ${spec.dataset}`, size, () => handleStream(spec, counted(data, progress)));
      } finally {
        opts.signal?.removeEventListener('abort', stop);
      }
    });
    if (!created) await createZone();
    opts.signal?.throwIfAborted();

    await finishZone(host, plan, (s) => (step = s));
    undo.clear();
    log(`restored zone ${plan.uuid}${plan.alias ? ` (${plan.alias})` : ''}${plan.start ? ', started' : ''}`);
    return { plan, verified };

    async function handleStream(spec: StreamSpec, data: Readable): Promise<void> {
      if (spec.role === 'image') {
        const img = plan.images.find((i) => i.image.streamId === spec.id)!;
        if (img.action === 'present') return drain(data);
        step = `install image ${img.image.uuid}`;
        return installImage(host, plan.pool, img, verified.imageManifests.get(img.image.uuid)!, data, undo, log);
      }
      if (!created) await createZone();
      const recv = plan.receives.find((r) => r.stream.id === spec.id)!;
      step = `receive ${spec.id} into ${recv.argv[recv.argv.length - 1]}`;
      log(`receive ${spec.id}: ${quoteArgv(recv.argv)}`);
      await receiveFrom(host, recv.argv, step, data);
    }
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    log(`restore failed at step "${step}": ${why}`);
    await undo.run();
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (e instanceof ZbakError) throw e;
    throw new ZbakError(`restore failed at step "${step}": ${why}`, 'failure', { cause: e });
  }
}

async function finishZone(host: Host, plan: RestorePlan, at: (step: string) => void): Promise<void> {
  if (plan.createTimestamp) {
    at('restore create_timestamp');
    await must(
      host,
      createTimestampArgv(plan.uuid, plan.createTimestamp),
      `restore create_timestamp of ${plan.uuid} (zonecfg)`,
    );
  }
  const mounted = await host.run(['zfs', 'mount', plan.cores]);
  if (!succeeded(mounted) && !/already mounted|does not exist/.test(mounted.stderrTail)) {
    throw new HostCommandError(`mount ${plan.cores}`, mounted);
  }
  if (plan.start) {
    at('start the zone');
    await must(host, ['vmadm', 'start', plan.uuid], `start zone ${plan.uuid}`);
  }
  // After the start: on SmartOS `vmadm start` sets autoboot=true itself.
  at('restore autoboot');
  await must(host, ['vmadm', 'update', plan.uuid, `autoboot=${plan.autoboot}`], `set autoboot=${plan.autoboot}`);
  // Last: once held, the zone can no longer be removed by the undo list.
  for (const i of plan.indestructible) {
    // The snapshot came back with the stream; holds do not travel in streams.
    at(`restore ${i.flag}`);
    if (i.snapshotReceived) await must(host, ['zfs', 'hold', 'do_not_destroy', `${i.dataset}@indestructible`], `hold ${i.dataset}@indestructible`);
    else await must(host, ['vmadm', 'update', plan.uuid, `${i.flag}=true`], `set ${i.flag}`);
  }
}

async function stopIfRunning(host: Host, uuid: string): Promise<void> {
  const r = await must(host, ['vmadm', 'get', uuid], `read zone ${uuid}`);
  const vm = parseVmadmGet(r.stdout);
  if ((vm.state ?? vm.zone_state) === 'running') await must(host, ['vmadm', 'stop', uuid, '-F'], `stop zone ${uuid}`);
}

async function drain(data: Readable): Promise<void> {
  for await (const _chunk of data) {
    // Reading still re-checks every part's checksum.
  }
}
