// ZFS behaviours zbak relies on, as scenarios the runner executes with the
// `zfs` first in PATH: the fake here, real OpenZFS in the lab VM. Both must
// end the same way (success, or the same refusal).
import { MORE_SCENARIOS } from './scenarios-more.js';
import { type Scenario, type Step, check, load, pipe, refuse, remember, save, sourceAndCopy, write, writeBytes, zfs } from './scenario-types.js';

/** An image filesystem with @final, and a zone cloned from it with @s1 and @s2. */
function imageAndZone(ns: string): Step[] {
  return [
    zfs('create', '-p', `${ns}/IMG`),
    write(`${ns}/IMG`, 'etc/release', 'base image\n'),
    writeBytes(`${ns}/IMG`, 'lib/blob', 300_000),
    zfs('snapshot', `${ns}/IMG@final`),
    zfs('clone', `${ns}/IMG@final`, `${ns}/ZONE`),
    write(`${ns}/ZONE`, 'root/s1.txt', 'first\n'),
    zfs('snapshot', `${ns}/ZONE@s1`),
    write(`${ns}/ZONE`, 'root/s2.txt', 'second\n'),
    zfs('snapshot', `${ns}/ZONE@s2`),
  ];
}

const zoneContent = (ds: string): Step[] => [
  check.file(ds, 'etc/release', 'base image\n'),
  check.file(ds, 'root/s1.txt', 'first\n'),
  check.file(ds, 'root/s2.txt', 'second\n'),
];

const BASE_SCENARIOS: readonly Scenario[] = [
  {
    name: '-I from the origin, destroy -fr, receive -F restores clone, guids and content',
    steps: [
      ...imageAndZone('$P'),
      remember('$P/ZONE@s1', 's1'),
      remember('$P/ZONE@s2', 's2'),
      save('z.inc', 'send', '-I', '$P/IMG@final', '$P/ZONE@s2'),
      zfs('destroy', '-fr', '$P/ZONE'),
      load('z.inc', ['receive', '-F', '$P/ZONE']),
      check.origin('$P/ZONE', '$P/IMG@final'),
      check.snapshots('$P/ZONE', 's1', 's2'),
      check.remembered('$P/ZONE@s1', 's1'),
      check.remembered('$P/ZONE@s2', 's2'),
      ...zoneContent('$P/ZONE'),
    ],
  },
  {
    name: 'receive -F onto a fresh clone is refused',
    steps: [
      ...imageAndZone('$P'),
      save('z.inc', 'send', '-I', '$P/IMG@final', '$P/ZONE@s2'),
      zfs('destroy', '-fr', '$P/ZONE'),
      zfs('clone', '$P/IMG@final', '$P/ZONE'),
      load('z.inc', ['receive', '-F', '$P/ZONE'], { fail: "destination '$P/ZONE' is a clone\nmust destroy it to overwrite it" }),
      check.snapshots('$P/ZONE'),
    ],
  },
  {
    name: 'another namespace: full image stream then -I stream reproduces the clone',
    steps: [
      ...imageAndZone('$P/a'),
      zfs('create', '$P/b'),
      pipe(['send', '$P/a/IMG@final'], ['receive', '$P/b/IMG']),
      check.snapshots('$P/b/IMG', 'final'),
      pipe(['send', '-I', '$P/a/IMG@final', '$P/a/ZONE@s2'], ['receive', '$P/b/ZONE']),
      check.origin('$P/b/ZONE', '$P/b/IMG@final'),
      check.sameGuid('$P/a/IMG@final', '$P/b/IMG@final'),
      check.sameGuid('$P/a/ZONE@s1', '$P/b/ZONE@s1'),
      check.sameGuid('$P/a/ZONE@s2', '$P/b/ZONE@s2'),
      ...zoneContent('$P/b/ZONE'),
    ],
  },
  {
    name: 'the origin is found by guid whatever it is called',
    steps: [
      ...imageAndZone('$P/a'),
      zfs('create', '-p', '$P/c/EMPTY'),
      pipe(['send', '$P/a/IMG@final'], ['receive', '$P/c/IMG-renamed']),
      pipe(['send', '-I', '$P/a/IMG@final', '$P/a/ZONE@s2'], ['receive', '$P/c/EMPTY/ZONE']),
      check.origin('$P/c/EMPTY/ZONE', '$P/c/IMG-renamed@final'),
      ...zoneContent('$P/c/EMPTY/ZONE'),
    ],
  },
  {
    name: 'a clone stream whose origin is not in the pool is refused',
    steps: [
      ...imageAndZone('$P/a'),
      save('z.inc', 'send', '-I', '$P/a/IMG@final', '$P/a/ZONE@s2'),
      zfs('destroy', '-R', '$P/a/IMG'),
      zfs('create', '$P/d'),
      load('z.inc', ['receive', '$P/d/ZONE'], { fail: 'cannot receive: local origin for clone $P/d/ZONE@s1 does not exist' }),
      load('z.inc', ['receive', '-F', '$P/d/ZONE'], { fail: 'local origin for clone $P/d/ZONE@s1 does not exist' }),
      check.missing('$P/d/ZONE'),
    ],
  },
  {
    name: 'a snapshot with a dependent clone is not destroyed without -R',
    steps: [
      ...imageAndZone('$P'),
      refuse("cannot destroy '$P/IMG@final': snapshot has dependent clones\nuse '-R' to destroy the following datasets:", 'destroy', '$P/IMG@final'),
      check.exists('$P/ZONE'),
      refuse("cannot destroy '$P/IMG': filesystem has children\nuse '-r' to destroy the following datasets:\n$P/IMG@final", 'destroy', '$P/IMG'),
      refuse("cannot destroy '$P/IMG': filesystem has dependent clones\nuse '-R' to destroy the following datasets:", 'destroy', '-r', '$P/IMG'),
      zfs('destroy', '-R', '$P/IMG@final'),
      check.missing('$P/ZONE'),
      check.missing('$P/IMG@final'),
    ],
  },
  {
    name: 'an incremental whose source guid the destination lacks is refused',
    steps: [
      zfs('create', '$P/X'),
      write('$P/X', 'a', 'a\n'),
      zfs('snapshot', '$P/X@a'),
      write('$P/X', 'b', 'b\n'),
      zfs('snapshot', '$P/X@b'),
      zfs('create', '$P/Z'),
      zfs('snapshot', '$P/Z@a'),
      pipe(['send', '-i', '@a', '$P/X@b'], ['receive', '$P/Z'], { fail: 'cannot receive incremental stream: most recent snapshot of $P/Z does not\nmatch incremental source' }),
      pipe(['send', '-i', '@a', '$P/X@b'], ['receive', '-F', '$P/Z'], { fail: 'match incremental source' }),
      pipe(['send', '-i', '@a', '$P/X@b'], ['receive', '$P/nope'], { fail: "cannot receive incremental stream: destination '$P/nope' does not exist" }),
      check.snapshots('$P/Z', 'a'),
    ],
  },
  {
    name: 'an incremental onto a modified destination needs -F',
    steps: [
      ...sourceAndCopy,
      write('$P/Y', 'local', 'changed here\n'),
      pipe(['send', '-i', '@a', '$P/X@b'], ['receive', '$P/Y'], { fail: 'cannot receive incremental stream: destination $P/Y has been modified\nsince most recent snapshot' }),
      pipe(['send', '-i', '@a', '$P/X@b'], ['receive', '-F', '$P/Y']),
      check.sameGuid('$P/X@b', '$P/Y@b'),
      check.file('$P/Y', 'b', 'b\n'),
      check.nofile('$P/Y', 'local'),
    ],
  },
  {
    name: 'several snapshots in one command are atomic',
    steps: [
      zfs('create', '$P/A'),
      zfs('create', '$P/B'),
      zfs('snapshot', '$P/B@s'),
      refuse("cannot create snapshot '$P/B@s': dataset already exists", 'snapshot', '$P/A@s', '$P/B@s'),
      check.missing('$P/A@s'),
      zfs('snapshot', '$P/A@t', '$P/B@t'),
      check.same('$P/A@t', '$P/B@t', 'createtxg'),
    ],
  },
  {
    name: 'a truncated stream is refused and leaves nothing behind',
    steps: [
      zfs('create', '$P/T'),
      writeBytes('$P/T', 'big', 2_000_000),
      zfs('snapshot', '$P/T@s'),
      save('t.full', 'send', '$P/T@s'),
      load('t.full', ['receive', '$P/T2'], { fail: ['incomplete stream', 'checksum mismatch', 'failed to read from stream'] }, { truncate: 0.5 }),
      check.missing('$P/T2'),
      load('t.full', ['receive', '$P/T2'], { fail: ['checksum mismatch', 'invalid backup stream', 'incomplete stream'] }, { flip: 0.6 }),
      check.missing('$P/T2@s'),
    ],
  },
  {
    name: 'a full stream onto an existing dataset needs -F; a clone stream is self-contained when sent full',
    steps: [
      ...imageAndZone('$P'),
      zfs('create', '$P/E'),
      pipe(['send', '$P/ZONE@s2'], ['receive', '$P/E'], { fail: "cannot receive new filesystem stream: destination '$P/E' exists\nmust specify -F to overwrite it" }),
      pipe(['send', '$P/ZONE@s2'], ['receive', '-F', '$P/E']),
      check.origin('$P/E', '-'),
      check.file('$P/E', 'root/s2.txt', 'second\n'),
      pipe(['send', '$P/ZONE@s2'], ['receive', '-F', '$P/E'], { fail: 'destination has snapshots (eg. $P/E@s2)\nmust destroy them to overwrite it' }),
    ],
  },
  {
    name: 'a held snapshot is busy until released',
    steps: [
      zfs('create', '$P/H'),
      zfs('snapshot', '$P/H@keep'),
      zfs('hold', 'zbak', '$P/H@keep'),
      check.prop('$P/H@keep', 'userrefs', '1'),
      refuse('cannot destroy snapshot $P/H@keep: dataset is busy', 'destroy', '$P/H@keep'),
      zfs('release', 'zbak', '$P/H@keep'),
      zfs('destroy', '$P/H@keep'),
      check.missing('$P/H@keep'),
    ],
  },
  {
    name: 'send -p carries properties, received with source "received"; receive -u does not mount',
    steps: [
      zfs('create', '-o', 'com.example:role=db', '-o', 'quota=1G', '$P/P'),
      write('$P/P', 'f', 'x\n'),
      zfs('snapshot', '$P/P@r1'),
      pipe(['send', '-p', '$P/P@r1'], ['receive', '-u', '$P/Q']),
      check.prop('$P/Q', 'com.example:role', 'db\treceived'),
      check.prop('$P/Q', 'quota', '1073741824\treceived'),
      check.prop('$P/Q', 'mounted', 'no\t-'),
      zfs('mount', '$P/Q'),
      check.file('$P/Q', 'f', 'x\n'),
      pipe(['send', '$P/P@r1'], ['receive', '$P/R']),
      check.prop('$P/R', 'com.example:role', '-\t-'),
    ],
  },
  {
    name: 'receive into a missing parent is refused',
    steps: [
      zfs('create', '$P/S'),
      zfs('snapshot', '$P/S@s'),
      pipe(['send', '$P/S@s'], ['receive', '$P/none/S'], { fail: "cannot open '$P/none': dataset does not exist" }),
      check.missing('$P/none'),
    ],
  },
  {
    name: 'an -I stream skips snapshots the destination already has',
    steps: [
      ...imageAndZone('$P/a'),
      zfs('create', '$P/b'),
      pipe(['send', '$P/a/IMG@final'], ['receive', '$P/b/IMG']),
      pipe(['send', '-i', '$P/a/IMG@final', '$P/a/ZONE@s1'], ['receive', '$P/b/ZONE']),
      check.origin('$P/b/ZONE', '$P/b/IMG@final'),
      pipe(['send', '-I', '@s1', '$P/a/ZONE@s2'], ['receive', '$P/b/ZONE']),
      check.snapshots('$P/b/ZONE', 's1', 's2'),
      check.sameGuid('$P/a/ZONE@s2', '$P/b/ZONE@s2'),
    ],
  },
  {
    name: 'snapshot and rename -r cover descendants; a child mounted inside is not in the parent snapshot',
    steps: [
      zfs('create', '$P/R'),
      zfs('create', '$P/R/data'),
      write('$P/R', 'top', 't\n'),
      write('$P/R/data', 'inner', 'i\n'),
      zfs('snapshot', '-r', '$P/R@one'),
      zfs('rename', '-r', '$P/R@one', '@two'),
      check.snapshots('$P/R', 'two'),
      check.snapshots('$P/R/data', 'two'),
      pipe(['send', '$P/R@two'], ['receive', '$P/R2']),
      check.file('$P/R2', 'top', 't\n'),
      check.nofile('$P/R2', 'data/inner'),
    ],
  },
];

/** Every scenario; ids are positions in this list (1-based) and never change. */
export const SCENARIOS: readonly Scenario[] = [...BASE_SCENARIOS, ...MORE_SCENARIOS];
