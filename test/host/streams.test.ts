// The pipeline rules, with real processes: every exit status is checked.
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHost } from '../../src/host/local-host.js';
import { receiveFrom, sendInto } from '../../src/run/streams.js';
import { ArchiveFormatError, HostCommandError, ZbakError } from '../../src/errors.js';

const host = new LocalHost('/');
const node = (script: string): string[] => [process.execPath, '-e', script];

async function collect(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('sendInto', () => {
  it('returns what the consumer made of a successful sender', async () => {
    const buf = await sendInto(host, node('process.stdout.write(Buffer.alloc(300000, 7))'), 'send x', collect);
    expect(buf.length).toBe(300000);
  });

  it('fails when the sender exits non-zero even though its bytes were all consumed', async () => {
    const p = sendInto(host, node('process.stdout.write("partial"); process.stderr.write("I/O error\\n"); process.exitCode = 1'), 'send zones/x@s', collect);
    await expect(p).rejects.toThrow(HostCommandError);
    await expect(p).rejects.toThrow(/cannot send zones\/x@s: .* exited 1: I\/O error/);
  });

  it('kills the sender when the consumer fails, and reports the consumer error', async () => {
    const p = sendInto(host, node('setInterval(() => process.stdout.write("x".repeat(65536)), 1)'), 'send y', async (r) => {
      for await (const _ of r) throw new ZbakError('disk full');
    });
    await expect(p).rejects.toThrow('disk full');
  });
});

describe('receiveFrom', () => {
  it('feeds every byte to the receiver', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zbak-recv-'));
    try {
      const out = join(dir, 'out');
      const data = Readable.from([Buffer.alloc(100000, 1), Buffer.alloc(50000, 2)]);
      await receiveFrom(host, node(`process.stdin.pipe(require('fs').createWriteStream(${JSON.stringify(out)}))`), 'receive', data);
      expect((await readFile(out)).length).toBe(150000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reports the receiver's own refusal, not the EPIPE its early exit causes", async () => {
    const data = Readable.from((function* () {
      for (let i = 0; i < 200; i++) yield Buffer.alloc(65536, i);
    })());
    const p = receiveFrom(
      host,
      node('process.stderr.write("cannot receive new filesystem stream: destination \'zones/z\' is a clone\\n"); process.exit(1)'),
      'receive zones/z',
      data,
    );
    await expect(p).rejects.toThrow(/cannot receive zones\/z: .* exited 1: cannot receive new filesystem stream: destination 'zones\/z' is a clone/);
  });

  it('stops the receiver when the archive data fails, and reports the data error', async () => {
    const data = new Readable({ read() {} });
    data.push(Buffer.alloc(1000));
    setTimeout(() => data.destroy(new ZbakError('checksum mismatch in streams/s02/000001')), 50);
    const p = receiveFrom(host, node('process.stdin.resume()'), 'receive zones/z', data);
    await expect(p).rejects.toThrow('checksum mismatch in streams/s02/000001');
  });
});

// zfs receive exits once it has read the END record, which may be before the archive reader
// has checked the last part and ended the data: these hosts end (or fail) the data only after
// the receiver has exited, so the order is fixed and no timing is involved.
describe('receiveFrom, when the receiver exits 0 before the data ends', () => {
  const afterExit = (then: (data: Readable) => void, data: Readable) => ({
    ...host,
    spawn: (argv: readonly string[], opts?: Parameters<typeof host.spawn>[1]) => {
      const child = host.spawn(argv, opts);
      void child.done.then(() => then(data));
      return child;
    },
  });
  // Reads exactly 1000 bytes, as zfs receive reads exactly up to its END record.
  const reader = node("let n = 0; process.stdin.on('data', (c) => { n += c.length; if (n >= 1000) process.exit(0); })");

  it('succeeds when the data then ends with nothing more', async () => {
    const data = new Readable({ read() {} });
    data.push(Buffer.alloc(1000, 1));
    await receiveFrom(afterExit((d) => d.push(null), data) as typeof host, reader, 'receive zones/z', data);
  });

  it("reports the data's own error (a truncated archive) that comes after the receiver exited", async () => {
    const data = new Readable({ read() {} });
    data.push(Buffer.alloc(1000, 1));
    const cut = new ArchiveFormatError('streams/s01/000001: the archive is truncated');
    const p = receiveFrom(afterExit((d) => d.destroy(cut), data) as typeof host, reader, 'receive zones/z', data);
    await expect(p).rejects.toBe(cut);
  });

  it('refuses bytes that follow what zfs receive read', async () => {
    const data = new Readable({ read() {} });
    data.push(Buffer.alloc(1000, 1));
    const p = receiveFrom(afterExit((d) => (d.push(Buffer.alloc(24, 2)), d.push(null)), data) as typeof host, reader, 'receive zones/z', data);
    await expect(p).rejects.toThrow(ArchiveFormatError);
    await expect(p).rejects.toThrow(/cannot receive zones\/z: 24 bytes follow the end of the zfs stream/);
  });
});
