// `sysinfo`: prints the host's facts as JSON, like SmartOS's sysinfo(8).
import { loadSysinfo } from './sysinfo/load.js';
import { runMain } from './common/main.js';

async function main(argv: readonly string[]): Promise<number> {
  // -f (force refresh) is accepted for compatibility; there is no cache to refresh.
  for (const a of argv) {
    if (a !== '-f') {
      process.stderr.write(`Usage: sysinfo [-f]\n`);
      return 2;
    }
  }
  const info = await loadSysinfo();
  process.stdout.write(JSON.stringify(info, null, 2) + '\n');
  return 0;
}

runMain(() => main(process.argv.slice(2)), (err) => ({ text: `sysinfo: ${(err as Error).message}`, code: 1 }));
