// `json`: the lab's and the fake host's stand-in for SmartOS's /usr/bin/json (personality/json/tool.ts).
import { readFile } from 'node:fs/promises';
import { parseJsonArgs, runJson } from './json/tool.js';

async function readInput(argv: readonly string[]): Promise<string> {
  let file: string | undefined;
  try {
    file = parseJsonArgs(argv).file;
  } catch {
    return ''; // runJson reports the argument error
  }
  if (file !== undefined) return readFile(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const argv = process.argv.slice(2);
readInput(argv).then(
  (input) => {
    const r = runJson(argv, input);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    process.exitCode = r.code;
  },
  (err: unknown) => {
    process.stderr.write(`json: error: could not read input: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
