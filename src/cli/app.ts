// zbak's command line: parse flags (yargs), hand them to the command
// handlers, and turn every outcome into an exit code.
import yargs from 'yargs';
import { EXIT_STATUS_HELP } from './exit-codes.js';
import { LocalHost } from '../host/local-host.js';
import { ZBAK_VERSION } from '../model/version.js';
import { STDIO_ARG, commandSave, commandRestore, commandVerify, commandInspect, commandList, commandRecover, commandKeygen, reportError } from './commands.js';
import { UsageError } from '../errors.js';
import { commandCron, commandPrune, commandRun, commandStatus } from './nightly-commands.js';
import { DEFAULT_CONFIG_PATH } from '../config/schema.js';

type Args = Record<string, unknown> & { _: (string | number)[] };

export async function main(argv: string[]): Promise<number> {
  const host = new LocalHost();
  // yargs only parses; the command runs after it. With a yargs command handler, yargs also lays
  // out the whole help text (cacheHelpMessage) on every run, beside the command's first steps.
  const commands: Record<string, (a: Args) => Promise<number>> = {
    save: (a) => commandSave(host, a),
    restore: (a) => commandRestore(host, a),
    verify: (a) => commandVerify(host, a),
    inspect: (a) => commandInspect(host, a),
    list: (a) => commandList(host, a),
    recover: (a) => commandRecover(host, a),
    prune: (a) => commandPrune(a),
    run: (a) => commandRun(host, a),
    status: (a) => commandStatus(host, a),
    cron: (a) => commandCron(host, a),
    keygen: (a) => commandKeygen(a),
  };
  const parser = yargs(argv.map((arg) => (arg === '-' ? STDIO_ARG : arg)))
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
          .option('keep-archives', { type: 'number', describe: "archives of the zone to keep in --to after a successful save, the new one included (the same as --keep-last; default: keep all)" })
          .option('keep-last', { type: 'number', describe: "after a successful save, keep the zone's N newest archives in --to (the new one counts), as zbak prune" })
          .option('keep-daily', { type: 'number', describe: 'after a successful save, keep the newest archive of each of the last N days' })
          .option('keep-weekly', { type: 'number', describe: 'the same per ISO week' })
          .option('keep-monthly', { type: 'number', describe: 'the same per month' })
          .option('progress', { type: 'boolean', describe: 'show a progress bar on stderr (default: when stderr is a terminal; --no-progress to hide)' })
          .option('medium', { type: 'string', array: true, describe: "write only to a mounted disk that is one of these zbak media (labels); refuses a bare folder or another disk (exit 13)" })
          .option('new-medium', { type: 'string', describe: 'the disk at --to has no zbak identity yet: make it medium LABEL' })
          .option('incremental', { type: 'boolean', default: false, describe: "continue the zone's newest archive in --to (every dataset sent -I from its snapshot, no images); full when it cannot, saying why" })
          .option('full-every', { type: 'number', describe: 'with --incremental: a full archive when the chain\'s full one is N days old' })
          .option('max-links', { type: 'number', describe: 'with --incremental: at most N archives in a chain, the full one included' })
          .option('sign', { type: 'string', describe: 'sign the archive with this Ed25519 key (zbak keygen --sign FILE); restore --trust FILE.pub checks it' })
          .option('encrypt-to', { type: 'string', array: true, describe: 'encrypt the archive (age) to this recipient, age1… (repeatable); needs no secret on this host' })
          .option('recipients-file', { type: 'string', array: true, describe: "encrypt to the recipients in this file (age's format: one per line, # comments)" })
          .option('compress', { type: 'string', describe: 'compress the archive with the zstd command: zstd or zstd:LEVEL (1-19, default 3); before encryption; verify, inspect and restore decompress by themselves' })
          .epilogue(EXIT_STATUS_HELP),
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
          .option('from', { type: 'string', describe: "an incremental archive: the directory holding the rest of its chain (default: the archive's own)" })
          .option('allow-global-reach', { type: 'boolean', default: false, describe: 'also restore properties that reach into the global zone (filesystems, fs_allowed, added limit_priv privileges, nic spoofing flags, pci_devices); withheld by default' })
          .option('progress', { type: 'boolean', describe: 'show a progress bar on stderr (default: when stderr is a terminal; --no-progress to hide)' })
          .option('identity', { type: 'string', array: true, describe: 'an encrypted archive: the age identity file that opens it (zbak keygen FILE; repeatable)' })
          .option('trust', { type: 'string', array: true, describe: 'accept only an archive signed by this key (the FILE.pub of zbak keygen --sign; repeatable); unsigned or other keys: exit 15' })
          .epilogue(EXIT_STATUS_HELP),
    )
    .command(
      'verify <files..>',
      'check every checksum, the manifest and the GUID chain (needs no ZFS); several files: each in turn',
      (y) =>
        y
          .positional('files', { type: 'string', array: true, demandOption: true })
          .option('progress', { type: 'boolean', describe: 'show a progress bar on stderr (default: when stderr is a terminal; --no-progress to hide)' })
          .option('identity', { type: 'string', array: true, describe: 'an encrypted archive: the age identity file that opens it (zbak keygen FILE; repeatable)' })
          .option('trust', { type: 'string', array: true, describe: 'accept only an archive signed by this key (the FILE.pub of zbak keygen --sign; repeatable); unsigned or other keys: exit 15' })
          .epilogue(EXIT_STATUS_HELP),
    )
    .command(
      'inspect <file>',
      'show what an archive holds',
      (y) =>
        y
          .positional('file', { type: 'string', demandOption: true })
          .option('json', { type: 'boolean', default: false })
          .option('identity', { type: 'string', array: true, describe: 'an encrypted archive: the age identity file that opens it (zbak keygen FILE; repeatable)' })
          .option('trust', { type: 'string', array: true, describe: 'accept only an archive signed by this key (the FILE.pub of zbak keygen --sign; repeatable); unsigned or other keys: exit 15' })
          .epilogue(EXIT_STATUS_HELP),
    )
    .command(
      'list',
      'zones on this host with brand, datasets and latest zbak snapshot',
      (y) => y.option('json', { type: 'boolean', default: false }).epilogue(EXIT_STATUS_HELP),
    )
    .command(
      'recover <zone>',
      'take back what a killed restore of a zone did (its journal); every restore does this first by itself',
      (y) => y.positional('zone', { type: 'string', demandOption: true, describe: 'the zone uuid the restore was for' }).epilogue(EXIT_STATUS_HELP),
    )
    .command(
      'prune <dir>',
      "remove a medium's older archives by a retention policy (as restic forget); never one a kept archive needs, never the newest, never a file that is not a readable archive",
      (y) =>
        y
          .positional('dir', { type: 'string', demandOption: true, describe: 'the medium directory' })
          .option('keep-last', { type: 'number', describe: 'keep the N newest archives of each zone' })
          .option('keep-daily', { type: 'number', describe: 'keep the newest archive of each of the last N days (UTC) that have one' })
          .option('keep-weekly', { type: 'number', describe: 'the same per ISO week' })
          .option('keep-monthly', { type: 'number', describe: 'the same per month' })
          .option('dry-run', { type: 'boolean', default: false, describe: 'list what would go and why, remove nothing' })
          .epilogue(EXIT_STATUS_HELP),
    )
    .command(
      'run [job]',
      "run the config's nightly jobs (all, or the named one): save, verify, prune; silent when all is well, a summary and non-zero exit when not",
      (y) =>
        y
          .positional('job', { type: 'string', describe: 'the job to run (default: every job)' })
          .option('new-medium', { type: 'string', describe: "the disk at a job's 'to' has no zbak identity yet: make it medium LABEL (one of the job's media)" })
          .option('config', { type: 'string', default: DEFAULT_CONFIG_PATH, describe: 'config file (YAML or JSON)' })
          .epilogue(EXIT_STATUS_HELP),
    )
    .command(
      'status',
      "each configured zone's newest archive, its age, whether it verified, the last run's result",
      (y) =>
        y
          .option('config', { type: 'string', default: DEFAULT_CONFIG_PATH, describe: 'config file (YAML or JSON)' })
          .option('json', { type: 'boolean', default: false })
          .option('check', { type: 'boolean', default: false, describe: 'one nagios line; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN' })
          .option('warn', { type: 'string', default: '26h', describe: 'with --check: warning when the newest archive is older (m, h, d)' })
          .option('crit', { type: 'string', default: '50h', describe: 'with --check: critical when older' })
          .epilogue(EXIT_STATUS_HELP),
    )
    .command(
      'cron',
      "print the crontab line of each job (and, with --install, install it with the SMF service that keeps it across SmartOS reboots)",
      (y) =>
        y
          .option('config', { type: 'string', default: DEFAULT_CONFIG_PATH, describe: 'config file (YAML or JSON)' })
          .option('install', { type: 'boolean', default: false, describe: 'write /opt/custom/zbak/crontab, its boot script and /opt/custom/smf/zbak-cron.xml; import and restart the service' })
          .epilogue(EXIT_STATUS_HELP),
    )
    .command(
      'keygen [file]',
      'make an age identity for encrypted archives (FILE, mode 0600; prints its recipient age1…), or with --sign an Ed25519 signing key FILE and FILE.pub',
      (y) =>
        y
          .positional('file', { type: 'string', describe: 'where to write the private key (never overwritten); without it the identity goes to stdout' })
          .option('sign', { type: 'boolean', default: false, describe: 'make a signing key (save --sign FILE, restore --trust FILE.pub) instead' })
          .epilogue(EXIT_STATUS_HELP),
    )
    .demandCommand(1, 'name a command: save, restore, verify, inspect, list, recover, prune, run, status, cron or keygen')
    .fail((msg, err) => {
      // Throwing stops yargs from running the command after a validation failure.
      throw err ?? new UsageError(`${msg}; run 'zbak --help' for usage`);
    });
  try {
    const args = await parser.parseAsync();
    const command = commands[String(args._[0])];
    if (!command) throw new UsageError(`unknown command '${String(args._[0])}'; run 'zbak --help' for usage`);
    return await command(args);
  } catch (e) {
    return reportError(e);
  }
}

