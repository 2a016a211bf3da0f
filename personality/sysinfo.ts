// `sysinfo`: prints the host's facts as JSON, like SmartOS's sysinfo(8), from a cache once made.
// SmartOS's sysinfo is a shell script that answers from /tmp/.sysinfo.json when it exists (-f
// remakes it and prints, -u remakes it silently). Answering from the cache happens in the shims
// (fakebin/sysinfo, the lab's wrapper) before node starts: that is what makes it cheap, as there.
import { loadSysinfo, writeSysinfoCache } from './sysinfo/load.js';
import { runMain } from './common/main.js';

async function main(argv: readonly string[]): Promise<number> {
  if (argv.length > 1 || (argv.length === 1 && argv[0] !== '-f' && argv[0] !== '-u')) {
    process.stderr.write(`Usage: sysinfo [-f|-u]\n`);
    return 2;
  }
  const info = await loadSysinfo();
  await writeSysinfoCache(info);
  if (argv[0] !== '-u') process.stdout.write(JSON.stringify(info, null, 2) + '\n');
  return 0;
}

runMain(() => main(process.argv.slice(2)), (err) => ({ text: `sysinfo: ${(err as Error).message}`, code: 1 }));
