// The by-hand commands of docs/FORMAT.md outside the manual restore (decrypting with the age
// tool, checking signatures with openssl): each ```sh block marked `<!-- by-hand:<name> -->`,
// read from the document so the tests run what a person reads.
export function byHandBlock(doc: string, name: string): string {
  const lines = doc.split('\n');
  const at = lines.indexOf(`<!-- by-hand:${name} -->`);
  if (at < 0 || lines[at + 1] !== '```sh') throw new Error(`docs/FORMAT.md has no \`\`\`sh block marked by-hand:${name}`);
  const close = lines.indexOf('```', at + 2);
  if (close < 0) throw new Error(`by-hand:${name}: the sh block is not closed`);
  return lines.slice(at + 2, close).join('\n');
}
