// Reads a JSON payload from -f <file> or stdin, with vmadm's messages.
import { readFile } from 'node:fs/promises';
import { CliError } from '../common/main.js';
import { UsageError } from './cli-args.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `file` undefined or "-" means stdin (refused when it is a terminal, as vmadm does). */
export async function readPayload(file: string | undefined, command: string): Promise<unknown> {
  let text: string;
  if (file === undefined || file === '-') {
    if (process.stdin.isTTY) throw new UsageError(`Will not ${command} from stdin when stdin is a tty.`);
    text = await readStdin();
  } else {
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`File: ${file} does not exist.`);
      throw new CliError(`Error reading: ${file} ${JSON.stringify(err)}`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`Invalid JSON payload: ${(err as Error).message}`);
  }
}
