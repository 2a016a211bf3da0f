// `zonecfg -z <zone> "<subcommands>"`: edits the stored zone configuration,
// e.g. restoring create_timestamp after a restore, as Triton's migration does.
import { readFile } from 'node:fs/promises';
import { runMain, outLine } from './common/main.js';
import { applyScript, parseScript, ZonecfgError } from './zonecfg/script.js';
import { readStoredVm, writeStoredVm } from './vmadm/store.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] !== '-z' || argv[1] === undefined) {
    process.stderr.write('usage:\tzonecfg -z <zone> [-f <command_file>] [subcommand]\n');
    return 2;
  }
  const zone = argv[1];
  let script: string;
  if (argv[2] === '-f' && argv[3] !== undefined) script = await readFile(argv[3], 'utf8');
  else if (argv.length > 2) script = argv.slice(2).join(' ');
  else script = await readStdin();

  const vm = await readStoredVm(zone).catch(() => undefined);
  if (!vm) {
    process.stderr.write(`${zone}: No such zone configured\n`);
    return 1;
  }
  const before = JSON.stringify(vm.config);
  for (const line of applyScript(parseScript(script), vm.config)) outLine(line);
  if (JSON.stringify(vm.config) !== before) await writeStoredVm(vm);
  return 0;
}

runMain(
  () => main(process.argv.slice(2)),
  (err) => ({ text: err instanceof ZonecfgError ? err.message : String((err as Error).stack ?? err), code: 1 }),
);
