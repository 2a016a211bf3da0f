// Picks the fault matrix's cells from a clean run's ZBAK_TRACE file (one JSON argv per
// command zbak started, in order; ZBAK_FAULT_AT=n counts the same commands from 1).
// Only commands that change the host are worth a fault: a fault at a read is a refusal
// before any change. Prints "n<TAB>command" for P points spread evenly over them.
//   node fault-cells.mjs TRACE P
import { readFileSync } from 'node:fs';

const [trace, pointsArg] = process.argv.slice(2);
const points = Number(pointsArg);
if (!trace || !Number.isInteger(points) || points < 1) {
  console.error('usage: node fault-cells.mjs TRACE POINTS');
  process.exit(2);
}
const READS = [
  /^zfs (list|get) /, /^zfs send -n/, /^vmadm (get|lookup|list) /, /^imgadm (get|list) /, /^sysinfo/, /^zonecfg -z \S+ info/,
];
const commands = readFileSync(trace, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).join(' '));
const changing = commands.map((c, i) => ({ n: i + 1, c })).filter(({ c }) => !READS.some((re) => re.test(c)));
const picked = new Map();
for (let i = 0; i < Math.min(points, changing.length); i++) {
  const cell = changing[Math.floor(((i + 0.5) * changing.length) / Math.min(points, changing.length))];
  picked.set(cell.n, cell.c);
}
for (const [n, c] of picked) console.log(`${n}\t${c.length > 70 ? `${c.slice(0, 69)}…` : c}`);
