// Error classes carry the context a user needs; the CLI maps them to exit codes.
import type { RunResult } from './host/host.js';

export type ZbakErrorCode =
  | 'failure'
  | 'usage'
  | 'not-found'
  | 'archive-unreadable'
  | 'archive-invalid'
  | 'conflict'
  | 'host-command'
  | 'parse'
  | 'locked'
  | 'no-space'
  | 'config'
  | 'medium'
  | 'identity'
  | 'untrusted'
  | 'interrupted';

/** Base class: a ZbakError prints as its one-line message, no stack. */
export class ZbakError extends Error {
  override name = 'ZbakError';
  constructor(
    message: string,
    readonly code: ZbakErrorCode = 'failure',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Bad flags or arguments. */
export class UsageError extends ZbakError {
  override name = 'UsageError' as const;
  constructor(message: string) {
    super(message, 'usage');
  }
}

/** A zone, image, dataset or file that was named does not exist. */
export class NotFoundError extends ZbakError {
  override name = 'NotFoundError' as const;
  constructor(message: string) {
    super(message, 'not-found');
  }
}

/** The host state contradicts the plan (zone exists, image GUID differs, ...). */
export class PlanConflictError extends ZbakError {
  override name = 'PlanConflictError' as const;
  constructor(message: string) {
    super(message, 'conflict');
  }
}

/** The target pool cannot hold what a restore would receive. */
export class NoSpaceError extends ZbakError {
  override name = 'NoSpaceError' as const;
  constructor(message: string) {
    super(message, 'no-space');
  }
}

/** The config file is missing, unreadable or invalid. */
export class ConfigError extends ZbakError {
  override name = 'ConfigError' as const;
  constructor(message: string) {
    super(message, 'config');
  }
}

/** Another zbak holds the lock for this zone. */
export class LockedError extends ZbakError {
  override name = 'LockedError' as const;
  constructor(message: string) {
    super(message, 'locked');
  }
}

/** The archive cannot be opened or read at all. */
export class ArchiveUnreadableError extends ZbakError {
  override name = 'ArchiveUnreadableError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'archive-unreadable', options);
  }
}

/** The archive is readable but wrong: checksum, schema, version, hostile entry. */
export class ArchiveFormatError extends ZbakError {
  override name = 'ArchiveFormatError' as const;
  constructor(
    message: string,
    readonly entry?: string,
  ) {
    super(message, 'archive-invalid');
  }
}

/** Output of a host command that does not parse. */
export class ParseError extends ZbakError {
  override name = 'ParseError' as const;
  constructor(
    readonly source: string,
    detail: string,
  ) {
    super(`cannot parse output of ${source}: ${detail}`, 'parse');
  }
}

/** A host command failed; carries argv, exit status and the stderr tail. */
export class HostCommandError extends ZbakError {
  override name = 'HostCommandError' as const;
  constructor(
    readonly attempted: string,
    readonly result: RunResult,
  ) {
    const status =
      result.signal !== null ? `killed by ${result.signal}` : result.exitCode === null ? 'could not be run' : `exited ${result.exitCode}`;
    const tail = result.stderrTail.trim().split('\n').filter(Boolean).join(' / ');
    super(`cannot ${attempted}: ${result.argv[0] ?? 'command'} ${status}${tail ? `: ${tail}` : ''}`, 'host-command');
  }
}
