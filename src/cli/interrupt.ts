// SIGINT/SIGTERM (Ctrl-C, cron or systemd stopping zbak) abort the running
// command through an AbortSignal, so save removes its temp file and snapshot
// and restore runs its undo list before exiting 130. Further signals while that
// cleanup runs do not cut it short (a half-cleaned host is worse than a slow exit):
// they only say cleanup is in progress. SIGQUIT (Ctrl-\) is left at its default,
// the escape hatch that stops zbak at once without cleaning up.
import { ZbakError } from '../errors.js';

let controller: AbortController | undefined;

export function interruptSignal(): AbortSignal {
  if (!controller) {
    const c = new AbortController();
    controller = c;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (c.signal.aborted) {
        process.stderr.write(`zbak: ${sig} received, cleanup in progress; zbak exits when it is done (Ctrl-\\ stops at once and leaves temp files and snapshots)\n`);
        return;
      }
      process.stderr.write(`zbak: ${sig} received, cleaning up\n`);
      c.abort(new ZbakError(`interrupted by ${sig}`, 'interrupted'));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  return controller.signal;
}
