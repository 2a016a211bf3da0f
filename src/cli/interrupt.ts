// SIGINT/SIGTERM (Ctrl-C, cron or systemd stopping zbak) abort the running
// command through an AbortSignal, so save removes its temp file and snapshot
// and restore runs its undo list before exiting 130. A second signal exits at once.
import { ZbakError } from '../errors.js';

let controller: AbortController | undefined;

export function interruptSignal(): AbortSignal {
  if (!controller) {
    const c = new AbortController();
    controller = c;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (c.signal.aborted) process.exit(130);
      process.stderr.write(`zbak: ${sig} received, cleaning up (send it again to stop at once)\n`);
      c.abort(new ZbakError(`interrupted by ${sig}`, 'interrupted'));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  return controller.signal;
}
