// StreamFeed.close() must settle even when nothing was taken yet: a restore
// interrupted before its first stream step used to wait forever and exit 0.
import { join } from 'node:path';
import { dir, type DirectoryResult } from 'tmp-promise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyArchive } from '../../../src/archive/reader.js';
import { StreamFeed } from '../../../src/run/stream-feed.js';
import { streamData, writeArchive } from '../archive/helpers.js';

let tmp: DirectoryResult;
beforeEach(async () => {
  tmp = await dir({ unsafeCleanup: true });
});
afterEach(() => tmp.cleanup());

describe('StreamFeed.close', () => {
  it('settles when closed before the reader offered its first stream', async () => {
    const path = join(tmp.path, 'a.zbak');
    await writeArchive(path, [streamData(0, 10_000), streamData(1, 2000)], 4096);
    const feed = StreamFeed.ofFile(path, await verifyArchive(path));
    // A hang is caught by the suite's test timeout (no timing here: CI machines may be busy).
    expect(await feed.close().then(() => 'closed')).toBe('closed');
  });

  it('settles after a stream was taken and left unread', async () => {
    const path = join(tmp.path, 'a.zbak');
    await writeArchive(path, [streamData(0, 10_000), streamData(1, 2000)], 4096);
    const feed = StreamFeed.ofFile(path, await verifyArchive(path));
    await feed.take('s01');
    await feed.close();
  });
});
