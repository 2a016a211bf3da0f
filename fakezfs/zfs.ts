#!/usr/bin/env node
// Entry point of the fake `zfs` command: dispatches subcommands, prints
// ZfsError messages like libzfs and exits with real zfs's status codes.
import { ZfsError } from './errors.js';
import { type FakeEnv, loadEnv } from './env.js';
import { canonical, checkInjectedFailure } from './inject.js';
import { zfsClone, zfsCreate } from './cmd-create.js';
import { zfsDestroy } from './cmd-destroy.js';
import { zfsGet } from './cmd-get.js';
import { zfsList } from './cmd-list.js';
import { zfsSnapshot } from './cmd-snapshot.js';
import { zfsSend } from './cmd-send.js';
import { zfsReceive } from './cmd-receive.js';
import { zfsMount, zfsUnmount } from './cmd-mount.js';
import { zfsRename } from './cmd-rename.js';
import { zfsInherit, zfsSet } from './cmd-set.js';
import { zfsHold, zfsHolds, zfsRelease } from './cmd-hold.js';
import { zfsPromote } from './cmd-promote.js';

type Command = (env: FakeEnv, argv: readonly string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  create: zfsCreate,
  clone: zfsClone,
  snapshot: zfsSnapshot,
  destroy: zfsDestroy,
  list: zfsList,
  get: zfsGet,
  send: zfsSend,
  receive: zfsReceive,
  mount: zfsMount,
  unmount: zfsUnmount,
  rename: zfsRename,
  set: zfsSet,
  inherit: zfsInherit,
  hold: zfsHold,
  release: zfsRelease,
  holds: zfsHolds,
  promote: zfsPromote,
};

const SUBCOMMANDS = Object.keys(COMMANDS).join('\n\t');

async function main(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined) throw new ZfsError(`usage: zfs command args ...\nwhere 'command' is one of the following:\n\n\t${SUBCOMMANDS}\n`, 2);
  const cmd = COMMANDS[canonical(sub)];
  if (!cmd) throw new ZfsError(`unrecognized command '${sub}'\nusage: zfs command args ...\n`, 2);
  const env = loadEnv();
  checkInjectedFailure('zfs', argv);
  return cmd(env, rest);
}


main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof ZfsError) {
      process.stderr.write(e.stderr);
      process.exitCode = e.exitCode;
      return;
    }
    process.stderr.write(`fakezfs: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
