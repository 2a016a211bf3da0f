#!/usr/bin/env node
// Entry point of the fake `zfs` command: dispatches subcommands, prints
// ZfsError messages like libzfs and exits with real zfs's status codes.
import { ZfsError, runMain } from './errors.js';
import { type FakeEnv, loadEnv } from './env.js';
import { canonical, checkInjectedFailure } from './inject.js';

type Command = (env: FakeEnv, argv: readonly string[]) => Promise<number>;

// Loaded on demand: each invocation compiles only the modules it needs,
// which keeps the per-command start-up cost down.
const COMMANDS: Record<string, () => Promise<Command>> = {
  create: async () => (await import('./cmd-create.js')).zfsCreate,
  clone: async () => (await import('./cmd-create.js')).zfsClone,
  snapshot: async () => (await import('./cmd-snapshot.js')).zfsSnapshot,
  destroy: async () => (await import('./cmd-destroy.js')).zfsDestroy,
  list: async () => (await import('./cmd-list.js')).zfsList,
  get: async () => (await import('./cmd-get.js')).zfsGet,
  send: async () => (await import('./cmd-send.js')).zfsSend,
  receive: async () => (await import('./cmd-receive.js')).zfsReceive,
  mount: async () => (await import('./cmd-mount.js')).zfsMount,
  unmount: async () => (await import('./cmd-mount.js')).zfsUnmount,
  rename: async () => (await import('./cmd-rename.js')).zfsRename,
  set: async () => (await import('./cmd-set.js')).zfsSet,
  inherit: async () => (await import('./cmd-set.js')).zfsInherit,
  hold: async () => (await import('./cmd-hold.js')).zfsHold,
  release: async () => (await import('./cmd-hold.js')).zfsRelease,
  holds: async () => (await import('./cmd-hold.js')).zfsHolds,
  promote: async () => (await import('./cmd-promote.js')).zfsPromote,
};

const SUBCOMMANDS = Object.keys(COMMANDS).join('\n\t');

async function main(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined) throw new ZfsError(`usage: zfs command args ...\nwhere 'command' is one of the following:\n\n\t${SUBCOMMANDS}\n`, 2);
  const load = COMMANDS[canonical(sub)];
  if (!load) throw new ZfsError(`unrecognized command '${sub}'\nusage: zfs command args ...\n`, 2);
  const env = loadEnv();
  checkInjectedFailure('zfs', argv);
  return (await load())(env, rest);
}

runMain('fakezfs', () => main(process.argv.slice(2)));
