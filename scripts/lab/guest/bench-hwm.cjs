// Preloaded into node by scripts/lab/guest/bench.sh (NODE_OPTIONS=--require <this file>):
// when the process exits, append its peak resident set size (VmHWM, KiB) and its
// script path to $ZBAK_BENCH_HWM. The guest has no GNU time (/usr/bin/time -v), and
// VmHWM is the kernel's own high-water mark of this process's RSS (not its children's).
'use strict';
const fs = require('node:fs');

const file = process.env.ZBAK_BENCH_HWM;
if (file) {
  process.on('exit', () => {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    fs.appendFileSync(file, `${m ? m[1] : '?'} ${process.argv[1] ?? '?'}\n`);
  });
}
