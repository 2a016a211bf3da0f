// One table maps error codes to process exit statuses; every command's help repeats it.
import type { ZbakErrorCode } from '../errors.js';

export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 4,
  conflict: 5,
  noSpace: 6,
  config: 7,
  archiveUnreadable: 10,
  locked: 11,
  archiveInvalid: 12,
  medium: 13,
  identity: 14,
  untrusted: 15,
  interrupted: 130,
} as const;

export function exitCodeFor(code: ZbakErrorCode): number {
  switch (code) {
    case 'usage':
      return EXIT.usage;
    case 'not-found':
      return EXIT.notFound;
    case 'conflict':
      return EXIT.conflict;
    case 'archive-unreadable':
      return EXIT.archiveUnreadable;
    case 'archive-invalid':
      return EXIT.archiveInvalid;
    case 'interrupted':
      return EXIT.interrupted;
    case 'locked':
      return EXIT.locked;
    case 'no-space':
      return EXIT.noSpace;
    case 'config':
      return EXIT.config;
    case 'medium':
      return EXIT.medium;
    case 'identity':
      return EXIT.identity;
    case 'untrusted':
      return EXIT.untrusted;
    case 'failure':
    case 'host-command':
    case 'parse':
      return EXIT.failure;
  }
}

export const EXIT_STATUS_HELP = `EXIT STATUS
  0   ok
  1   failure (a host command failed; the message names it)
  2   usage error (also: the zstd command missing for --compress or a compressed archive)
  4   zone, image or file not found
  5   conflict with the host (zone exists, image GUID differs, ...)
  6   not enough space in the pool for the restore
  7   config file missing or invalid (zbak run, status, cron)
  10  archive missing or unreadable
  11  target busy or locked
  12  archive invalid or verify failed
  13  not the expected medium (folder not mounted, unknown or new disk: --new-medium LABEL)
  14  encrypted archive: no --identity given, or none of them opens it
  15  signature refused: unsigned, signed by a key not given with --trust, or not matching
  130 interrupted`;
