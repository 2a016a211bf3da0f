// What a failed restore must take back, newest first, so the host ends as it
// was. Only things this run created are ever listed here.
import type { Host } from '../host/host.js';
import { succeeded, type Log } from './commands.js';

interface UndoStep {
  what: string;
  argv?: readonly string[];
  /** Datasets to destroy (-r) afterwards if they still exist. */
  datasets: readonly string[];
  files: readonly string[];
}

export class UndoList {
  private steps: UndoStep[] = [];
  constructor(
    private readonly host: Host,
    private readonly log: Log,
  ) {}

  push(what: string, argv: readonly string[] | undefined, datasets: readonly string[] = [], files: readonly string[] = []): void {
    this.steps.push({ what, ...(argv ? { argv } : {}), datasets, files });
  }

  clear(): void {
    this.steps = [];
  }

  /** Runs every step, newest first; reports but does not stop on failures. */
  async run(): Promise<void> {
    for (const step of this.steps.reverse()) {
      this.log(`undo: ${step.what}`);
      if (step.argv) {
        const r = await this.host.run(step.argv);
        if (!succeeded(r)) this.log(`undo: ${step.argv.join(' ')} failed: ${r.stderrTail.trim()}`);
      }
      for (const ds of step.datasets) {
        const exists = await this.host.run(['zfs', 'list', '-H', '-o', 'name', ds]);
        if (!succeeded(exists)) continue;
        const r = await this.host.run(['zfs', 'destroy', '-r', ds]);
        if (!succeeded(r)) this.log(`undo: could not destroy ${ds}: ${r.stderrTail.trim()}; remove it by hand`);
      }
      for (const f of step.files) await this.host.removeFile(f);
    }
    this.steps = [];
  }
}
