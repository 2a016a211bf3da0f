// The directory a save writes to (or a prune cleans): it must exist, be a directory and be
// writable; otherwise one line naming the fix (the backup disk is usually just not mounted).
import { access, constants, stat } from 'node:fs/promises';
import { NotFoundError, UsageError } from '../errors.js';

/** The target directory exists and is writable; a clear error naming the fix otherwise. */
export async function checkTargetDir(dir: string): Promise<void> {
  let st;
  try {
    st = await stat(dir);
  } catch {
    throw new NotFoundError(`target directory ${dir} does not exist; create it or mount the backup disk`);
  }
  if (!st.isDirectory()) throw new UsageError(`target ${dir} is not a directory; give --to a directory`);
  try {
    await access(dir, constants.W_OK);
  } catch {
    throw new UsageError(`target directory ${dir} is not writable; check its permissions or mount options`);
  }
}
