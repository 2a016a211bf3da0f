// Before a save writes into a directory: temp files of saves that died there (kill -9,
// power loss) are removed. Only regular files with zbak's temp name whose writer pid is
// not alive on this host; a live writer's, links and directories are never touched.
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseTempArchiveName } from '../archive/temp-name.js';
import { pidAlive } from '../host/pid-alive.js';
import type { Log } from './commands.js';

/** Removes dead writers' temp files in `dir`; returns their paths. */
export async function sweepDeadTemps(dir: string, log: Log, alive: (pid: number) => boolean = pidAlive): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    const temp = parseTempArchiveName(name);
    if (!temp || alive(temp.pid)) continue;
    const path = join(dir, name);
    try {
      if (!(await lstat(path)).isFile()) continue;
      await unlink(path);
      removed.push(path);
      log(`removed ${path}: temp file of a save that died (pid ${temp.pid} is gone)`);
    } catch (e) {
      log(`warning: kept ${path}: ${(e as Error).message}`);
    }
  }
  return removed;
}
