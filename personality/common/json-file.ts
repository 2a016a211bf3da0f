// Reading and writing the small JSON files the personality keeps on the host.
// Every read goes through a zod schema: these files are input like any other.
import { mkdir, readFile, rename, writeFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';

/** A JSON file that exists but does not parse or match its schema. */
export class BadJsonFileError extends Error {
  override name = 'BadJsonFileError' as const;
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
  }
}

/** Reads and validates a JSON file; undefined when it does not exist. */
export async function readJsonFile<S extends z.ZodTypeAny>(file: string, schema: S): Promise<z.infer<S> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BadJsonFileError(file, (err as Error).message);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new BadJsonFileError(file, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

/** Writes JSON (2-space indent, trailing newline) atomically: temp file + rename. */
export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.new`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n', 'utf8');
  await rename(tmp, file);
}

/** The file's modification time, or undefined if it is missing. */
export async function fileMtime(file: string): Promise<Date | undefined> {
  try {
    return (await stat(file)).mtime;
  } catch {
    return undefined;
  }
}
