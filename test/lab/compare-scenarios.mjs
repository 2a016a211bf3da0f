// node compare-scenarios.mjs REAL.json FAKE.json — the scenario list must end the
// same on real ZFS (the lab) and on the fake: one PASS/FAIL line per scenario.
import { readFileSync, existsSync } from 'node:fs';
const [realFile, fakeFile] = process.argv.slice(2);
const load = (f) => (existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : []);
const real = new Map(load(realFile).map((r) => [r.id, r]));
const fake = new Map(load(fakeFile).map((r) => [r.id, r]));
const C = 'scenarios-fake-vs-real';
if (real.size === 0) console.log(`FAIL ${C}: no results from real ZFS (${realFile})`);
if (fake.size === 0) console.log(`FAIL ${C}: no results from the fake (${fakeFile})`);
const end = (r) => (r.ok ? 'ends as expected' : `fails at step ${r.failure?.step}: ${r.failure?.what}`);
for (const [id, r] of real) {
  const f = fake.get(id);
  if (!f) { console.log(`FAIL ${C}: scenario ${id} ${r.name}: not run on the fake`); continue; }
  if (r.ok && f.ok) console.log(`PASS ${C}: scenario ${id} ${r.name}: same end on real ZFS and the fake`);
  else {
    console.log(`FAIL ${C}: scenario ${id} ${r.name}: real ZFS ${end(r)}; fake ${end(f)}`);
    for (const x of [r, f]) if (x.failure?.detail) console.log(`    ${x === r ? 'real' : 'fake'}: ${x.failure.detail.split('\n').join('\n    ')}`);
  }
}
for (const [id, f] of fake) if (!real.has(id)) console.log(`FAIL ${C}: scenario ${id} ${f.name}: not run on real ZFS`);
