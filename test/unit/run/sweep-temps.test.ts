import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deadPid } from '../../support/dead-pid.js';
import { sweepDeadTemps } from '../../../src/run/sweep-temps.js';
import { parseTempArchiveName, tempArchiveName } from '../../../src/archive/temp-name.js';
import { createArchiveWriter } from '../../../src/archive/writer.js';

const FINAL = 'web01-8aa8dff0-5ee1-4d22-a283-bf79505dfbe3-20261122T050000Z.zbak';
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zbak-sweep-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});


describe('sweeping temp files of dead saves', () => {
  it("the writer's temp name carries its pid", async () => {
    const w = await createArchiveWriter(join(dir, FINAL));
    const name = w.tempPath.split('/').pop()!;
    expect(parseTempArchiveName(name)).toEqual({ finalName: FINAL, pid: process.pid });
    await w.abort();
  });

  it('removes regular temp files whose pid is dead; never a live pid, a link, a directory or another name', async () => {
    const dead = await deadPid();
    const deadTemp = tempArchiveName(FINAL, dead, '0badf00d');
    const liveTemp = tempArchiveName(FINAL, process.pid, '00c0ffee');
    const deadDir = tempArchiveName(FINAL, dead, '11111111');
    const deadLink = tempArchiveName(FINAL, dead, '22222222');
    const others = [FINAL, `${FINAL}.partial-${dead}-0badf00d`, `.${FINAL}.partial-${dead}`, 'notes.txt'];
    for (const n of [deadTemp, liveTemp, ...others]) await writeFile(join(dir, n), 'x');
    await mkdir(join(dir, deadDir));
    await symlink(join(dir, 'notes.txt'), join(dir, deadLink));
    const lines: string[] = [];
    expect(await sweepDeadTemps(dir, (l) => lines.push(l))).toEqual([join(dir, deadTemp)]);
    expect(lines).toEqual([`removed ${join(dir, deadTemp)}: temp file of a save that died (pid ${dead} is gone)`]);
    expect((await readdir(dir)).sort()).toEqual([liveTemp, deadDir, deadLink, ...others].sort());
  });
});
