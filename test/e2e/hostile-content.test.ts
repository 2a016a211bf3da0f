// Archives from media anyone may have touched, rewritten with fresh checksums so only
// content checks stand between them and the host: a vmadm.json asking for global-zone
// reach restores without it unless --allow-global-reach; a header whose
// createTimestamp smuggles zonecfg subcommands is refused by verify and restore alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { demoHostWithArchive } from '../support/demo-host.js';
import { FakeSmartOS } from '../../scripts/lib/fake-smartos.js';
import { editJson, rewriteArchive } from '../unit/archive/helpers.js';

let dir: string;
let a: FakeSmartOS;
let good: string;
let uuid: string;
let hostN = 0;

beforeAll(async () => {
  ({ dir, a, good, uuid } = await demoHostWithArchive('zbak-hostile-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An empty host to restore onto. */
async function freshHost(): Promise<FakeSmartOS> {
  hostN++;
  const h = new FakeSmartOS(join(dir, `b${hostN}`), `host-b${hostN}`);
  await h.init(`bbbbbbbb-0000-4000-8000-00000000000${hostN}`);
  return h;
}

const vmGet = async (h: FakeSmartOS): Promise<Record<string, unknown>> => JSON.parse(await h.must(['vmadm', 'get', uuid]));

describe('a vmadm.json that asks for global-zone reach', () => {
  let tampered: string;
  const mount = { type: 'lofs', source: '/', target: '/host', options: ['rw'] };

  beforeAll(async () => {
    tampered = join(dir, 'filesystems.zbak');
    await rewriteArchive(good, tampered, editJson('vmadm.json', (vm) => void (vm.filesystems = [mount])));
  });

  it('verifies (vmadm can express it) and the dry run shows it withheld', async () => {
    expect((await a.zbak(['verify', tampered])).exitCode).toBe(0);
    const b = await freshHost();
    const dry = await b.zbak(['restore', tampered, '--dry-run']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('withheld (global-zone reach; --allow-global-reach restores it): filesystems (mounts of global-zone paths (lofs) into the zone)');
  });

  it('restores without the mounts, saying so', async () => {
    const b = await freshHost();
    const r = await b.zbak(['restore', tampered]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/withheld \(global-zone reach; --allow-global-reach restores it\): filesystems/);
    const vm = await vmGet(b);
    expect(vm.alias).toBe('web01');
    expect(vm).not.toHaveProperty('filesystems');
  });

  it('restores the mounts with --allow-global-reach', async () => {
    const b = await freshHost();
    const r = await b.zbak(['restore', tampered, '--allow-global-reach']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/restored on request \(--allow-global-reach\): filesystems/);
    expect((await vmGet(b)).filesystems).toEqual([mount]);
  });
});

describe('a header whose createTimestamp carries zonecfg subcommands', () => {
  it('is refused by verify (exit 12) naming the field, and restore changes nothing', async () => {
    const evil = join(dir, 'inject.zbak');
    const ts = '2020-01-01T00:00:00Z; end; select attr name=alias; set value=x';
    await rewriteArchive(good, evil, editJson('zbak.json', (h) => void (h.zone.createTimestamp = ts)));
    const v = await a.zbak(['verify', evil]);
    expect(v.exitCode, v.stderr).toBe(12);
    expect(v.stderr).toMatch(/^zbak: zbak\.json: invalid header: zone\.createTimestamp: not an ISO-8601 UTC time/);
    const b = await freshHost();
    const before = await b.stateSummary();
    const r = await b.zbak(['restore', evil]);
    expect(r.exitCode, r.stderr).toBe(12);
    expect(r.stderr).toMatch(/zone\.createTimestamp/);
    expect(await b.stateSummary()).toBe(before);
  });

  it('a vmadm.json of null is refused by verify, not by a TypeError in restore', async () => {
    const nul = join(dir, 'null.zbak');
    await rewriteArchive(good, nul, (name, text) => (name === 'vmadm.json' ? 'null' : text));
    const v = await a.zbak(['verify', nul]);
    expect(v.exitCode).toBe(12);
    expect(v.stderr.trim()).toBe("zbak: vmadm.json: not a JSON object (it is null); expected the zone's `vmadm get` JSON");
  });
});
