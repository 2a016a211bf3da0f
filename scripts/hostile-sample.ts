// Writes a reproducible sample of hostile archives made from one genuine archive: each is
// the genuine one with 1–3 random mutations (scripts/lib/hostile/mutations.ts, the same
// generator as test/property) and every checksum recomputed, so only zbak's checks of the
// content can refuse it. The lab (test/lab/cases/A-95-hostile-sample.sh) restores each on
// real ZFS and checks the host: refused with nothing changed, or changed only within what
// the archive's zone owns.
//   node dist/scripts/hostile-sample.js --archive F --out DIR --count N [--seed S]
//        [--token name=value ...] [--host-guid G ...]
// Writes DIR/NNN.zbak and DIR/NNN.txt (the mutations, one JSON per line).
import fc from 'fast-check';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cloneModel, readArchive, writeArchiveBytes } from './lib/hostile/archive-model.js';
import { anyMutation, applyMutation, type MutationContext } from './lib/hostile/mutations.js';

interface Args {
  archive: string;
  out: string;
  count: number;
  seed: number;
  ctx: MutationContext;
}

function parseArgs(argv: string[]): Args {
  const a: Partial<Args> & { ctx: MutationContext } = { count: 20, seed: 1, ctx: { tokens: {}, hostGuids: [] } };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const v = argv[++i];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--archive') a.archive = v;
    else if (flag === '--out') a.out = v;
    else if (flag === '--count') a.count = Number(v);
    else if (flag === '--seed') a.seed = Number(v);
    else if (flag === '--host-guid') a.ctx.hostGuids.push(v);
    else if (flag === '--token') {
      const [k = '', value = ''] = v.split('=');
      a.ctx.tokens[k] = value;
    } else throw new Error(`unknown option ${flag}; see the top of scripts/hostile-sample.ts`);
  }
  if (!a.archive || !a.out || !Number.isInteger(a.count) || !Number.isInteger(a.seed)) throw new Error('--archive F --out DIR --count N [--seed S] are needed');
  return a as Args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const genuine = readArchive(await readFile(args.archive));
  const cases = fc.sample(fc.array(anyMutation, { minLength: 1, maxLength: 3 }), { seed: args.seed, numRuns: args.count });
  await mkdir(args.out, { recursive: true });
  for (const [i, mutations] of cases.entries()) {
    const m = cloneModel(genuine);
    for (const mu of mutations) applyMutation(m, mu, args.ctx);
    const name = String(i + 1).padStart(3, '0');
    await writeFile(join(args.out, `${name}.zbak`), writeArchiveBytes(m));
    await writeFile(join(args.out, `${name}.txt`), mutations.map((mu) => JSON.stringify(mu)).join('\n') + '\n');
  }
  console.log(`${cases.length} hostile archives in ${args.out} (seed ${args.seed})`);
}

main().catch((e: unknown) => {
  console.error(`hostile-sample: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
