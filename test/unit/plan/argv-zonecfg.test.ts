// The zonecfg argv refuses anything but the strict ISO grammar (defence in depth
// behind the header schema): zonecfg would run whatever follows a ';'.
import { describe, expect, it } from 'vitest';
import { zonecfg } from '../../../src/plan/argv.js';
const createTimestampArgv = zonecfg.createTimestamp;
import { ArchiveFormatError } from '../../../src/errors.js';

const Z = '8aa8dff0-5ee1-4d22-a283-bf79505dfbe3';

describe('createTimestampArgv', () => {
  it('builds the zonecfg script for an ISO-8601 UTC time', () => {
    expect(createTimestampArgv(Z, '2024-11-04T10:22:31.118Z')).toEqual([
      'zonecfg', '-z', Z, 'select attr name=create-timestamp; set value=2024-11-04T10:22:31.118Z; end',
    ]);
    expect(createTimestampArgv(Z, '2024-11-04T10:22:31Z')[3]).toContain('set value=2024-11-04T10:22:31Z;');
  });

  for (const bad of [
    '2020-01-01T00:00:00Z; end; select attr name=alias; set value=x',
    '2020-01-01T00:00:00Z\nend',
    '2020-01-01T00:00:00+01:00',
    '2020-13-45T99:99:99Z',
    '',
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      expect(() => createTimestampArgv(Z, bad)).toThrow(Error);
      expect(() => createTimestampArgv(Z, bad)).toThrow(/refusing to pass create-timestamp .* to zonecfg/);
    });
  }
});
