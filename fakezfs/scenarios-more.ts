// More scenarios: behaviours read in the OpenZFS 2.1.11 source that the lab
// checks on real ZFS (numbered after scenarios.ts; append only, ids are stable).
import { type Scenario, check, load, pipe, refuse, refuseSend, save, write, zfs } from './scenario-types.js';

/** $P/X with @a (file a) and @b (file b), and $P/Y received from X@a. */
const sourceAndCopy = [
  zfs('create', '$P/X'),
  write('$P/X', 'a', 'a\n'),
  zfs('snapshot', '$P/X@a'),
  write('$P/X', 'b', 'b\n'),
  zfs('snapshot', '$P/X@b'),
  pipe(['send', '$P/X@a'], ['receive', '$P/Y']),
];

export const MORE_SCENARIOS: readonly Scenario[] = [
  {
    name: 'a clone stream cannot be received onto an existing filesystem, even with -F',
    steps: [
      zfs('create', '$P/IMG'),
      zfs('snapshot', '$P/IMG@final'),
      zfs('clone', '$P/IMG@final', '$P/ZONE'),
      zfs('snapshot', '$P/ZONE@s1'),
      save('z.inc', 'send', '-I', '$P/IMG@final', '$P/ZONE@s1'),
      zfs('create', '$P/plain'),
      load('z.inc', ['receive', '-F', '$P/plain'], { fail: 'cannot receive new filesystem stream: invalid backup stream' }),
      check.snapshots('$P/plain'),
    ],
  },
  {
    name: 'an incremental onto an unchanged destination keeps its later snapshots; -F rolls them back',
    steps: [
      ...sourceAndCopy,
      zfs('snapshot', '$P/Y@extra'),
      pipe(['send', '-i', '@a', '$P/X@b'], ['receive', '$P/Y']),
      check.snapshots('$P/Y', 'a', 'extra', 'b'),
      pipe(['send', '$P/X@a'], ['receive', '$P/W']),
      write('$P/W', 'local', 'mine\n'),
      zfs('snapshot', '$P/W@extra'),
      pipe(['send', '-i', '@a', '$P/X@b'], ['receive', '$P/W'], { fail: 'destination $P/W has been modified\nsince most recent snapshot' }),
      pipe(['send', '-i', '@a', '$P/X@b'], ['receive', '-F', '$P/W']),
      check.snapshots('$P/W', 'a', 'b'),
      check.nofile('$P/W', 'local'),
    ],
  },
  {
    name: 'a filesystem with another mounted inside cannot be unmounted or destroyed',
    steps: [
      zfs('create', '$P/Z'),
      zfs('create', '-o', 'mountpoint=none', '$P/cores'),
      zfs('create', '-o', 'mountpoint=/$P/Z/cores', '$P/cores/Z'),
      write('$P/cores/Z', 'core.1', 'dump\n'),
      refuse("cannot unmount '/$P/Z': pool or dataset is busy", 'destroy', '-r', '$P/Z'),
      refuse("cannot unmount '/$P/Z': pool or dataset is busy", 'umount', '$P/Z'),
      check.exists('$P/Z'),
      zfs('umount', '$P/cores/Z'),
      zfs('destroy', '-r', '$P/Z'),
      zfs('mount', '$P/cores/Z'),
      check.file('$P/cores/Z', 'core.1', 'dump\n'),
      zfs('umount', '$P/cores/Z'),
    ],
  },
  {
    name: 'zoned datasets stay unmounted and cannot themselves be renamed from the global zone',
    steps: [
      zfs('create', '$P/R'),
      zfs('create', '-o', 'zoned=on', '$P/R/data'),
      check.prop('$P/R/data', 'mounted', 'no'),
      refuse("cannot mount '$P/R/data': dataset is exported to a local zone", 'mount', '$P/R/data'),
      refuse("cannot rename '$P/R/data': dataset is used in a non-global zone", 'rename', '$P/R/data', '$P/R/data2'),
      // Checked on real ZFS: an unmounted zoned child does not stop the parent's rename.
      zfs('rename', '$P/R', '$P/R2'),
      check.exists('$P/R2/data'),
      check.prop('$P/R2/data', 'mounted', 'no'),
    ],
  },
  {
    name: 'exit codes and messages of argument errors',
    steps: [
      { kind: 'zfs', args: ['snapshot', '$P/nope@s'], expect: { fail: "cannot open '$P/nope'", code: 2 } },
      { kind: 'zfs', args: ['list', '$P/nope'], expect: { fail: "cannot open '$P/nope': dataset does not exist", code: 1 } },
      { kind: 'zfs', args: ['create', '$P/a/b'], expect: { fail: "cannot create '$P/a/b': parent does not exist", code: 1 } },
      zfs('create', '$P/a'),
      { kind: 'zfs', args: ['create', '$P/a'], expect: { fail: "cannot create '$P/a': dataset already exists", code: 1 } },
      { kind: 'zfs', args: ['get', 'bogus', '$P/a'], expect: { fail: "bad property list: invalid property 'bogus'", code: 2 } },
      { kind: 'zfs', args: ['destroy', '$P/a@nope'], expect: { fail: 'could not find any snapshots to destroy; check snapshot names.', code: 1 } },
    ],
  },
  {
    name: 'snapshots list in creation order; ranges destroy; promote moves the origin',
    steps: [
      zfs('create', '$P/O'),
      zfs('snapshot', '$P/O@b'),
      zfs('snapshot', '$P/O@a'),
      zfs('snapshot', '$P/O@c'),
      check.snapshots('$P/O', 'b', 'a', 'c'),
      zfs('destroy', '$P/O@b%a'),
      check.snapshots('$P/O', 'c'),
      zfs('clone', '$P/O@c', '$P/C'),
      zfs('promote', '$P/C'),
      check.origin('$P/O', '$P/C@c'),
      check.snapshots('$P/C', 'c'),
      check.snapshots('$P/O'),
      refuse("cannot promote '$P/C': not a cloned filesystem", 'promote', '$P/C'),
    ],
  },
  {
    name: 'send refuses a source that is not earlier; properties show their sources',
    steps: [
      ...sourceAndCopy,
      refuseSend("warning: cannot send '$P/X@a': not an earlier snapshot from the same fs", 'send', '-i', '$P/X@b', '$P/X@a'),
      refuseSend("cannot open '$P/X@nope': dataset does not exist", 'send', '$P/X@nope'),
      zfs('set', 'com.example:team=ops', '$P/X'),
      zfs('create', '-o', 'quota=1G', '$P/X/c'),
      check.prop('$P/X/c', 'com.example:team', 'ops\tinherited from $P/X'),
      check.prop('$P/X/c', 'quota', '1073741824\tlocal'),
      check.prop('$P/X/c', 'atime', 'on\tdefault'),
      check.prop('$P/X@a', 'type', 'snapshot\t-'),
      check.prop('$P/X', 'origin', '-\t-'),
    ],
  },
];
