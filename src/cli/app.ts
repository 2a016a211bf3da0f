// zbak's command line: parse flags (yargs), hand them to the command
// handlers, and turn every outcome into an exit code.
import yargs from 'yargs';
import { EXIT, EXIT_STATUS_HELP } from './exit-codes.js';
import { LocalHost } from '../host/local-host.js';
import { ZBAK_VERSION } from '../model/version.js';
import { commandSave, commandRestore, commandVerify, commandInspect, commandList, commandRecover, reportError } from './commands.js';
import { UsageError } from '../errors.js';

export async function main(argv: string[]): Promise<number> {
  const host = new LocalHost();
  let code: number = EXIT.ok;
  const run = (fn: () => Promise<number>) => async (): Promise<void> => {
    try {
      code = await fn();
    } catch (e) {
      code = reportError(e);
    }
  };
  const parser = yargs(argv)
    .scriptName('zbak')
    .version(ZBAK_VERSION)
    .strict()
    .epilogue(EXIT_STATUS_HELP)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .command(
      'save [zones..]',
      'snapshot every dataset of a zone and write one .zbak archive (per zone)',
      (y) =>
        y
          .positional('zones', { type: 'string', array: true, describe: 'zone uuids or aliases' })
          .option('all', { type: 'boolean', default: false, describe: 'save every zone on this host (one archive each; a failure does not stop the others)' })
          .option('to', { type: 'string', demandOption: true, describe: 'directory to write the archive into' })
          .option('dry-run', { type: 'boolean', default: false, describe: 'print the plan, change nothing' })
          .option('part-size', { type: 'string', describe: 'maximum size of one stream part, e.g. 32M (default 32M)' })
          .option('keep', { type: 'number', default: 1, describe: 'zbak snapshots to keep per dataset after a successful save (older zbak-* ones are destroyed)' })
          .option('keep-archives', { type: 'number', describe: "archives of the zone to keep in --to after a successful save, the new one included (older '<alias>-<uuid>-<stamp>.zbak' files are removed; default: keep all)" })
          .option('progress', { type: 'boolean', describe: 'show a progress bar on stderr (default: when stderr is a terminal; --no-progress to hide)' })
          .epilogue(EXIT_STATUS_HELP),
      (a) => run(() => commandSave(host, a))(),
    )
    .command(
      'restore <file>',
      'verify an archive, then recreate the zone and receive its datasets',
      (y) =>
        y
          .positional('file', { type: 'string', demandOption: true })
          .option('dry-run', { type: 'boolean', default: false, describe: 'verify and print the plan, change nothing' })
          .option('force', { type: 'boolean', default: false, describe: 'replace a zone with the same uuid (destroys it)' })
          .option('start', { type: 'boolean', describe: 'start (--start) or leave stopped (--no-start); default: as at save time' })
          .option('new-uuid', { type: 'boolean', default: false, describe: 'restore as a copy: fresh uuid and MAC addresses, DHCP' })
          .option('copy-uuid', { type: 'string', describe: 'with --new-uuid: the uuid the copy gets (default: a random one)' })
          .option('alias', { type: 'string', describe: 'alias of the restored zone (default for a copy: <alias>-copy)' })
          .option('keep-ips', { type: 'boolean', default: false, describe: 'with --new-uuid: keep the saved IP addresses' })
          .option('pool', { type: 'string', default: 'zones', describe: 'pool to restore into (never taken from the archive)' })
          .option('allow-global-reach', { type: 'boolean', default: false, describe: 'also restore properties that reach into the global zone (filesystems, fs_allowed, added limit_priv privileges, nic spoofing flags, pci_devices); withheld by default' })
          .option('progress', { type: 'boolean', describe: 'show a progress bar on stderr (default: when stderr is a terminal; --no-progress to hide)' })
          .epilogue(EXIT_STATUS_HELP),
      (a) => run(() => commandRestore(host, a))(),
    )
    .command(
      'verify <files..>',
      'check every checksum, the manifest and the GUID chain (needs no ZFS); several files: each in turn',
      (y) =>
        y
          .positional('files', { type: 'string', array: true, demandOption: true })
          .option('progress', { type: 'boolean', describe: 'show a progress bar on stderr (default: when stderr is a terminal; --no-progress to hide)' })
          .epilogue(EXIT_STATUS_HELP),
      (a) => run(() => commandVerify(a))(),
    )
    .command(
      'inspect <file>',
      'show what an archive holds',
      (y) => y.positional('file', { type: 'string', demandOption: true }).option('json', { type: 'boolean', default: false }).epilogue(EXIT_STATUS_HELP),
      (a) => run(() => commandInspect(a))(),
    )
    .command(
      'list',
      'zones on this host with brand, datasets and latest zbak snapshot',
      (y) => y.option('json', { type: 'boolean', default: false }).epilogue(EXIT_STATUS_HELP),
      (a) => run(() => commandList(host, a))(),
    )
    .command(
      'recover <zone>',
      'take back what a killed restore of a zone did (its journal); every restore does this first by itself',
      (y) => y.positional('zone', { type: 'string', demandOption: true, describe: 'the zone uuid the restore was for' }).epilogue(EXIT_STATUS_HELP),
      (a) => run(() => commandRecover(host, a))(),
    )
    .demandCommand(1, 'name a command: save, restore, verify, inspect, list or recover')
    .fail((msg, err) => {
      // Throwing stops yargs from running the command after a validation failure.
      throw err ?? new UsageError(`${msg}; run 'zbak --help' for usage`);
    });
  try {
    await parser.parseAsync();
  } catch (e) {
    return reportError(e);
  }
  return code;
}

