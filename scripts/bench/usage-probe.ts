// Loaded into zbak's node process by `npm run bench` (node --import): at exit, writes the
// process's own peak RSS and CPU time to $ZBAK_BENCH_USAGE. Its children (zfs, vmadm) are
// separate processes and are not counted.
import { writeFileSync } from 'node:fs';

const file = process.env.ZBAK_BENCH_USAGE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    // maxRSS is in KiB, CPU times in microseconds.
    writeFileSync(file, JSON.stringify({ peakRss: u.maxRSS * 1024, cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6 }));
  });
}
