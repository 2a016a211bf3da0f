// zonecfg script handling and vmadm lookup/list formatting (pure parts).
import { describe, expect, it } from 'vitest';
import { applyScript, parseScript } from '../../personality/zonecfg/script.js';
import { addFakeFields, formatList, matches } from '../../personality/vmadm/query.js';
import { validSnapshotName } from '../../personality/vmadm/snapshot.js';

describe('zonecfg', () => {
  it('sets create-timestamp through select attr / set value / end', () => {
    const config: Record<string, unknown> = { create_timestamp: '2025-04-10T12:00:41.553Z' };
    applyScript(parseScript('select attr name=create-timestamp; set value=2024-11-04T10:22:31.118Z; end'), config);
    expect(config['create_timestamp']).toBe('2024-11-04T10:22:31.118Z');
  });

  it('accepts quoted values and newline-separated commands', () => {
    const config: Record<string, unknown> = { create_timestamp: 'x' };
    applyScript(parseScript('select attr name="create-timestamp"\nset value="2024-01-01T00:00:00.000Z"\nend\n'), config);
    expect(config['create_timestamp']).toBe('2024-01-01T00:00:00.000Z');
  });

  it('prints an attr with info', () => {
    const out = applyScript(parseScript('info attr name=create-timestamp'), { create_timestamp: 'T' });
    expect(out).toEqual(['attr:', '\tname: create-timestamp', '\ttype: string', '\tvalue: T']);
  });

  it('refuses unknown attrs and unterminated resources', () => {
    expect(() => applyScript(parseScript('select attr name=nope; set value=1; end'), {})).toThrow('No such attr resource.');
    expect(() => applyScript(parseScript('select attr name=create-timestamp; set value=1'), { create_timestamp: 'x' })).toThrow('resource incomplete');
  });
});

describe('vmadm lookup and list', () => {
  const vms = [
    addFakeFields({ uuid: 'b', brand: 'joyent', max_physical_memory: 2048, state: 'running', alias: 'web01', tags: { role: 'web' }, nics: [{ mac: '90:b8:d0:3c:1a:52' }] }),
    addFakeFields({ uuid: 'a', brand: 'bhyve', ram: 4096, state: 'stopped', alias: 'ci' }),
    addFakeFields({ uuid: 'c', brand: 'lx', max_physical_memory: 512, state: 'stopped' }),
  ];

  it('matches plain, nested, wildcard and ~regex filters', () => {
    expect(vms.filter((v) => matches(v, { alias: 'web01' })).map((v) => v.uuid)).toEqual(['b']);
    expect(vms.filter((v) => matches(v, { 'tags.role': 'web' })).map((v) => v.uuid)).toEqual(['b']);
    expect(vms.filter((v) => matches(v, { 'nics.*.mac': '90:b8:d0:3c:1a:52' })).map((v) => v.uuid)).toEqual(['b']);
    expect(vms.filter((v) => matches(v, { state: '~STOP' })).map((v) => v.uuid)).toEqual(['a', 'c']);
    expect(vms.filter((v) => matches(v, { type: 'BHYV' })).map((v) => v.uuid)).toEqual(['a']);
  });

  it('lists like vmadm list: sorted by ram,uuid, fixed widths, "-" for missing', () => {
    const lines = formatList(vms, { order: 'uuid,type,ram,state,alias', sortby: 'ram,uuid', parsable: false, header: true });
    expect(lines[0]).toBe('UUID                                  TYPE  RAM      STATE             ALIAS');
    expect(lines.slice(1).map((l) => l.split(/\s+/))).toEqual([
      ['c', 'LX', '512', 'stopped', '-'],
      ['b', 'OS', '2048', 'running', 'web01'],
      ['a', 'BHYV', '4096', 'stopped', 'ci'],
    ]);
  });

  it('-p gives colon-separated values without a header', () => {
    expect(formatList(vms, { order: 'uuid,alias', sortby: 'uuid', parsable: true, header: false })).toEqual(['a:ci', 'b:web01', 'c:']);
  });

  it('refuses unknown columns', () => {
    expect(() => formatList(vms, { order: 'bogus', sortby: 'uuid', parsable: false, header: true })).toThrow('invalid order field: bogus');
  });
});

describe('snapshot names', () => {
  it('allows 1-64 of [a-zA-Z0-9-_.:%]', () => {
    expect(validSnapshotName('pre-upgrade_1.0:%')).toBe(true);
    expect(validSnapshotName('')).toBe(false);
    expect(validSnapshotName('a'.repeat(65))).toBe(false);
    expect(validSnapshotName('bad name')).toBe(false);
  });
});
