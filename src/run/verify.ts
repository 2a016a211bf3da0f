// The full archive check (`zbak verify`, and `restore --force` before it changes anything),
// with the bytes read shown against the file's size when someone is watching.
import { stat } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import { verifyArchive, type VerifiedArchive } from '../archive/reader.js';
import type { Readable } from 'node:stream';
import { verifyStream } from '../archive/sequential-reader.js';
import { tracked, type Progress } from './progress.js';

/** verifyArchive, showing the bytes read against the file's size. */
export async function verifyWithProgress(file: string, progress: Progress, trusted: readonly KeyObject[] = []): Promise<VerifiedArchive> {
  if (!progress.enabled) return verifyArchive(file, { trusted });
  const size = await stat(file).then((st) => st.size, () => undefined);
  return tracked(progress, 'verify', size, () => verifyArchive(file, { onRead: (n) => progress.add(n), trusted }));
}


/** `verify -`: the same checks over a stream (standard input), read once. */
export async function verifyStreamWithProgress(input: Readable, label: string, progress: Progress, trusted: readonly KeyObject[] = []): Promise<VerifiedArchive> {
  if (!progress.enabled) return verifyStream(input, label, { trusted });
  return tracked(progress, 'verify', undefined, () => verifyStream(input, label, { onRead: (n) => progress.add(n), trusted }));
}
