// The manual restore of docs/FORMAT.md as a program: its marked ```sh blocks
// (`<!-- recipe:<step> -->` on the line above each), read from the document itself so the
// tests run what a person reads. The step list is fixed here: a block added, removed,
// renamed, reordered or left unmarked in the document fails the extraction, so the text
// and its tests cannot drift apart silently.

/** The recipe's steps, in document order. */
export const RECIPE_STEPS = [
  'vars', 'check-names', 'extract', 'check-hashes', 'read-header', 'preflight',
  'images', 'create-json', 'create', 'receive', 'finish', 'clean-up',
] as const;

/** The values the recipe's first block asks the reader to choose. */
export interface RecipeValues {
  ARCHIVE: string;
  POOL: string;
  R: string;
}
const VARS = ['ARCHIVE', 'POOL', 'R'] as const;

export interface RecipeStep {
  name: string;
  body: string;
}

const SECTION = '## Manual restore';
const MARK_RE = /^<!-- recipe:([a-z-]+) -->$/;

/** The marked blocks of the "Manual restore" section, checked against RECIPE_STEPS. */
export function extractRecipe(doc: string): RecipeStep[] {
  const lines = doc.split('\n');
  const start = lines.indexOf(SECTION);
  if (start < 0) throw new Error(`docs/FORMAT.md has no "${SECTION}" section`);
  const endRel = lines.slice(start + 1).findIndex((l) => l.startsWith('## '));
  const section = lines.slice(start + 1, endRel < 0 ? undefined : start + 1 + endRel);
  const steps: RecipeStep[] = [];
  for (let i = 0; i < section.length; i++) {
    const line = section[i]!;
    const mark = MARK_RE.exec(line);
    if (line.startsWith('```sh')) throw new Error(`an unmarked sh block in "${SECTION}" (line ${start + 2 + i}): mark it <!-- recipe:<step> -->`);
    if (line.includes('recipe:') && !mark && line.startsWith('<!--')) throw new Error(`a malformed recipe marker: ${line}`);
    if (!mark) continue;
    if (section[i + 1] !== '```sh') throw new Error(`recipe:${mark[1]}: the marker is not directly above a \`\`\`sh block`);
    const close = section.indexOf('```', i + 2);
    if (close < 0) throw new Error(`recipe:${mark[1]}: the sh block is not closed`);
    steps.push({ name: mark[1]!, body: section.slice(i + 2, close).join('\n') });
    i = close;
  }
  const names = steps.map((s) => s.name).join(' ');
  if (names !== RECIPE_STEPS.join(' ')) {
    throw new Error(`the recipe's steps in docs/FORMAT.md are [${names}], the tests expect [${RECIPE_STEPS.join(' ')}]`);
  }
  return steps;
}

const shQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * A bash script running the recipe: the `vars` block with the given values in place of the
 * document's examples (each must be assigned there exactly once), then every other block
 * unchanged, under `set -e -o pipefail` as the document says (and -u, stricter).
 */
export function recipeScript(doc: string, values: RecipeValues): string {
  const [vars, ...rest] = extractRecipe(doc);
  const seen = new Set<string>();
  const varLines = vars!.body.split('\n').map((line) => {
    const m = /^([A-Z_]+)=/.exec(line);
    if (!m) return line;
    const name = m[1] as (typeof VARS)[number];
    if (!VARS.includes(name) || seen.has(name)) throw new Error(`recipe:vars assigns ${name}: the tests know ${VARS.join(', ')}, once each`);
    seen.add(name);
    return `${name}=${shQuote(values[name])}`;
  });
  const missing = VARS.filter((v) => !seen.has(v));
  if (missing.length > 0) throw new Error(`recipe:vars does not assign ${missing.join(', ')}`);
  const out = ['set -euo pipefail', 'echo "== recipe: vars" >&2', ...varLines];
  for (const s of rest) out.push(`echo "== recipe: ${s.name}" >&2`, s.body);
  return `${out.join('\n')}\n`;
}
