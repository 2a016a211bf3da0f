// node dist/scripts/manual-recipe.js DOC ARCHIVE POOL SCRATCH_DIR
// Prints the manual restore of DOC (docs/FORMAT.md) as a bash script with those values
// (scripts/lib/manual-recipe.ts); the lab runs it (test/lab/cases/A-85-manual-recipe.sh).
import { readFileSync } from 'node:fs';
import { recipeScript } from './lib/manual-recipe.js';

const [doc, ARCHIVE, POOL, R] = process.argv.slice(2);
if (doc === undefined || ARCHIVE === undefined || POOL === undefined || R === undefined) {
  process.stderr.write('usage: manual-recipe.js DOC ARCHIVE POOL SCRATCH_DIR\n');
  process.exit(2);
}
try {
  process.stdout.write(recipeScript(readFileSync(doc, 'utf8'), { ARCHIVE, POOL, R }));
} catch (e) {
  process.stderr.write(`manual-recipe: ${(e as Error).message}\n`);
  process.exit(1);
}
