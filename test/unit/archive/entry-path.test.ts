import { describe, expect, it } from 'vitest';
import { classifyEntryName, displayName, unsafeNameReason } from '../../../src/archive/entry-path.js';

describe('entry names', () => {
  it.each([
    ['../x', "'..' path component"],
    ['streams/../../x', "'..' path component"],
    ['/etc/passwd', 'absolute path'],
    ['C:/x', 'drive-letter path'],
    ['a\\b', 'backslash in name'],
    ['a\0b', 'NUL byte in name'],
    ['a\nb', 'control character in name'],
    ['./zbak.json', "'.' path component"],
    ['streams//x', 'empty path component (leading, trailing or double slash)'],
    ['streams/', 'empty path component (leading, trailing or double slash)'],
    ['', 'empty name'],
    ['x'.repeat(300), 'name longer than 255 characters'],
  ])('%j is unsafe: %s', (name, reason) => {
    expect(unsafeNameReason(name)).toBe(reason);
  });

  it('classifies the names of the format and nothing else', () => {
    expect(unsafeNameReason('streams/s01/000000')).toBeNull();
    expect(classifyEntryName('zbak.json')).toEqual({ kind: 'header' });
    expect(classifyEntryName('vmadm.json')).toEqual({ kind: 'vmadm' });
    expect(classifyEntryName('zbak-trailer.json')).toEqual({ kind: 'trailer' });
    expect(classifyEntryName('images/39665d70-e5f6-48b5-9000-9b650ef7cd06.json')).toEqual({ kind: 'image', imageUuid: '39665d70-e5f6-48b5-9000-9b650ef7cd06' });
    expect(classifyEntryName('streams/s12/000003')).toEqual({ kind: 'part', streamId: 's12', index: 3 });
    for (const bad of ['streams/s1/000000', 'streams/s01/0', 'images/X.json', 'zbak.json.bak', 'streams/s01/000000/x']) expect(classifyEntryName(bad)).toBeNull();
  });

  it('displays hostile names on one line', () => {
    expect(displayName('a\nb\u001b[31m')).toBe('a\\nb\\u001b[31m');
  });
});
