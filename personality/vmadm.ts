// `vmadm`: SmartOS's VM administration command, the subset zbak and the lab
// use, written over the `zfs` command. Results go to stderr, JSON to stdout,
// errors print their message and exit 1, usage errors exit 2 — as on SmartOS.
import { CliError, errLine, outLine, runMain } from './common/main.js';
import { ZfsCommandError } from './common/zfs.js';
import { parseArgs, parseKeyValues, takeUuid, USAGE, UsageError, type FlagSpec } from './vmadm/cli-args.js';
import { createVm } from './vmadm/create.js';
import { deleteVm } from './vmadm/delete.js';
import { loadAllVms, loadVm, VmNotFoundError } from './vmadm/load.js';
import { PayloadError } from './vmadm/payload-types.js';
import { startVm, stopVm } from './vmadm/power.js';
import { addFakeFields, formatList, matches } from './vmadm/query.js';
import { readPayload } from './vmadm/read-payload.js';
import { createSnapshot, deleteSnapshot, rollbackSnapshot } from './vmadm/snapshot.js';
import { updateVm } from './vmadm/update.js';
import { isRecord } from './vmadm/payload-types.js';

const FILE: FlagSpec = { short: 'f', long: 'file', takesValue: true };
const FLAGS: Record<string, FlagSpec[]> = {
  create: [FILE],
  update: [FILE],
  stop: [{ short: 'F', long: 'force', takesValue: false }, { short: 't', long: 'timeout', takesValue: true }],
  lookup: [{ short: 'j', long: 'json', takesValue: false }, { short: '1', long: 'unique', takesValue: false }, { short: 'o', long: 'output', takesValue: true }],
  list: [
    { short: 'p', long: 'parsable', takesValue: false },
    { short: 'H', long: 'no-header', takesValue: false },
    { short: 'h', long: 'header', takesValue: false },
    { short: 'o', long: 'order', takesValue: true },
    { short: 's', long: 'sortby', takesValue: true },
  ],
};
const ALIASES: Record<string, string> = { boot: 'start', halt: 'stop', destroy: 'delete', json: 'get' };

async function lookup(args: ReturnType<typeof parseArgs>): Promise<void> {
  const json = args.flags.has('json');
  const output = args.flags.get('output');
  if (!json && output !== undefined) throw new CliError('Cannot specify -o without -j');
  const search = parseKeyValues(args.remain);
  const vms = (await loadAllVms()).map(addFakeFields).filter((vm) => matches(vm, search));
  if (args.flags.has('unique') && vms.length !== 1) throw new CliError(`Requested unique lookup but found ${vms.length} results.`);
  if (!json) {
    for (const vm of vms) outLine(String(vm['uuid']));
    return;
  }
  const fields = typeof output === 'string' ? output.split(',') : undefined;
  const shown = fields ? vms.map((vm) => Object.fromEntries(Object.entries(vm).filter(([k]) => fields.includes(k)))).filter((o) => Object.keys(o).length > 0) : vms;
  outLine(JSON.stringify(shown, null, 2));
}

async function list(args: ReturnType<typeof parseArgs>): Promise<void> {
  const search = parseKeyValues(args.remain);
  const parsable = args.flags.has('parsable');
  const header = args.flags.has('no-header') ? false : args.flags.has('header') ? true : !parsable;
  const vms = (await loadAllVms()).map(addFakeFields).filter((vm) => matches(vm, search));
  const order = args.flags.get('order');
  const sortby = args.flags.get('sortby');
  const lines = formatList(vms, {
    order: typeof order === 'string' ? order : 'uuid,type,ram,state,alias',
    sortby: typeof sortby === 'string' ? sortby : 'ram,uuid',
    parsable,
    header,
  });
  for (const l of lines) outLine(l);
}

async function main(argv: readonly string[]): Promise<number> {
  const given = argv[0];
  if (given === undefined) throw new UsageError('');
  if (given === '-h' || given === '-?' || given === 'help') {
    outLine(USAGE);
    return 0;
  }
  const command = ALIASES[given] ?? given;
  const args = parseArgs(argv.slice(1), FLAGS[command] ?? []);
  const snapname = (): string => {
    if (args.remain.length !== 1) throw new UsageError(`Wrong number of parameters to "${given}"`);
    return args.remain[0] ?? '';
  };
  switch (command) {
    case 'create': {
      const file = args.flags.get('file');
      const payload = await readPayload(typeof file === 'string' ? file : undefined, 'create');
      const uuid = await createVm(payload, errLine);
      errLine(`Successfully created VM ${uuid}`);
      return 0;
    }
    case 'get': {
      const uuid = takeUuid(given, args);
      try {
        outLine(JSON.stringify(await loadVm(uuid), null, 2));
      } catch (err) {
        if (err instanceof VmNotFoundError) throw new CliError(`zoneadm: ${uuid}: No such zone configured`);
        throw err;
      }
      return 0;
    }
    case 'lookup':
      await lookup(args);
      return 0;
    case 'list':
      await list(args);
      return 0;
    case 'start':
      errLine(await startVm(takeUuid(given, args)));
      return 0;
    case 'stop':
      errLine(await stopVm(takeUuid(given, args)));
      return 0;
    case 'delete':
      errLine(await deleteVm(takeUuid(given, args)));
      return 0;
    case 'update': {
      const uuid = takeUuid(given, args);
      let payload: unknown;
      if (args.remain.length > 0) payload = parseKeyValues(args.remain);
      else {
        const file = args.flags.get('file');
        payload = await readPayload(typeof file === 'string' ? file : undefined, 'update');
      }
      if (!isRecord(payload)) throw new CliError('Invalid JSON payload: payload must be an object');
      for (const w of await updateVm(uuid, payload)) errLine(w);
      errLine(`Successfully updated VM ${uuid}`);
      return 0;
    }
    case 'create-snapshot': {
      const uuid = takeUuid(given, args);
      errLine(await createSnapshot(uuid, snapname()));
      return 0;
    }
    case 'delete-snapshot': {
      const uuid = takeUuid(given, args);
      errLine(await deleteSnapshot(uuid, snapname()));
      return 0;
    }
    case 'rollback-snapshot': {
      const uuid = takeUuid(given, args);
      errLine(await rollbackSnapshot(uuid, snapname()));
      return 0;
    }
    default:
      throw new UsageError(`Invalid command: "${given}".`);
  }
}

runMain(
  () => main(process.argv.slice(2)),
  (err) => {
    if (err instanceof UsageError) return { text: (err.message ? err.message + '\n' : '') + USAGE, code: 2 };
    if (err instanceof CliError || err instanceof PayloadError || err instanceof ZfsCommandError) return { text: err.message, code: err instanceof CliError ? err.exitCode : 1 };
    return { text: err instanceof Error ? (err.stack ?? err.message) : String(err), code: 1 };
  },
);
