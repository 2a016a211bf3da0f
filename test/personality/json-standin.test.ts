// The lab's and fake host's `json` stand-in prints what SmartOS's json (trentm/json 9+)
// prints for the invocations docs/FORMAT.md's manual restore uses, and refuses the rest.
import { describe, expect, it } from 'vitest';
import { runJson } from '../../personality/json/tool.js';

const doc = JSON.stringify({ zone: { uuid: 'u1', autoboot: false, alias: '' }, n: 3, list: [{ id: 's01', role: 'image' }, { id: 's02' }] });

describe('json stand-in', () => {
  it('prints lookups one a line: strings bare, other values as JSON; missing or empty prints no line', () => {
    expect(runJson(['zone.uuid', 'zone.autoboot', 'n', 'zone.missing', 'zone.alias'], doc).stdout).toBe('u1\nfalse\n3\n');
    expect(runJson(['list'], doc).stdout).toBe(`${JSON.stringify([{ id: 's01', role: 'image' }, { id: 's02' }], null, 2)}\n`);
  });

  it('-a: one line per item, lookups joined by a space, a missing value empty', () => {
    expect(runJson(['-a', 'id', 'role'], JSON.stringify(JSON.parse(doc).list)).stdout).toBe('s01 image\ns02 \n');
  });

  it('-e runs each snippet with this bound to the input, then prints it (2-space JSON)', () => {
    const r = runJson(['-e', 'delete this.n; this.zone.autoboot = true', '-e', "this.zpool = 'tank'"], doc);
    expect(JSON.parse(r.stdout)).toEqual({ zone: { uuid: 'u1', autoboot: true, alias: '' }, list: JSON.parse(doc).list, zpool: 'tank' });
    expect(r.stdout).toMatch(/^{\n {2}"zone"/);
  });

  it('empty input prints nothing and succeeds; bad JSON fails', () => {
    expect(runJson(['-a', 'x'], '')).toEqual({ stdout: '', stderr: '', code: 0 });
    expect(runJson(['x'], '{nope').code).toBe(1);
  });

  it('refuses options and lookups beyond what the recipe uses', () => {
    for (const argv of [['-c', 'true'], ['-I', '-f', 'x'], ['a[0]'], ['-o', 'json-0']]) {
      const r = runJson(argv, doc);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^json: error: /);
    }
  });
});
