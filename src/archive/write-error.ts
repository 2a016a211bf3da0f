// A failure while writing an archive (ENOSPC, EACCES, EIO, refusing to overwrite).
import { ZbakError } from '../errors.js';

/** Writing the archive failed; `path` is the archive the caller asked for. */
export class ArchiveWriteError extends ZbakError {
  override name = 'ArchiveWriteError' as const;
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot write archive ${path}: ${detail}`, 'failure', options);
  }
}

/** "ENOSPC: no space left on device" style text for a Node system error. */
export function describeIoError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    // Node's messages already start with the code ("ENOSPC: no space left on device, write").
    if (code && !err.message.startsWith(code)) return `${code}: ${err.message}`;
    return err.message;
  }
  return String(err);
}
