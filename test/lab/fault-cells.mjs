// Picks the fault matrix's cells from a clean run's ZBAK_TRACE file (one JSON argv per
// command zbak started, in order; ZBAK_FAULT_AT=n counts the same commands from 1).
// Only commands that change the host are worth a fault: a fault at a read is a refusal
// before any change. Prints "n<TAB>command" for P points spread over them.
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
// With two points or more, the first and the last change are always among them (a save's
// snapshot and its pruning, a restore's first step and its clean-up); the rest spread evenly.
const want = Math.min(points, changing.length);
const at = (i) => (want === 1 ? Math.floor(changing.length / 2) : Math.round((i * (changing.length - 1)) / (want - 1)));
const picked = new Map();
for (let i = 0; i < want; i++) picked.set(changing[at(i)].n, changing[at(i)].c);
for (const [n, c] of picked) console.log(`${n}\t${c.length > 70 ? `${c.slice(0, 69)}…` : c}`);
