// Test hook: ZBAK_FAULT_AT=<n>[:fail|:SIGINT|:SIGKILL] makes the n-th command
// zbak is about to start (run() and spawn() counted together, from 1) fail
// without running, or signals zbak itself just before starting it. The fault
// matrix (scripts/fault-matrix.ts) walks every n to prove each step of a save
// or restore leaves the host old or new, never half. Unset: no effect.
import { UsageError } from '../errors.js';

export type FaultAction = 'fail' | 'SIGINT' | 'SIGKILL';

export interface FaultSpec {
  at: number;
  action: FaultAction;
}

const SPEC_RE = /^([1-9]\d{0,8})(?::(fail|SIGINT|SIGKILL))?$/;

/** Parses ZBAK_FAULT_AT; undefined when unset or empty. */
export function parseFaultSpec(raw: string | undefined): FaultSpec | undefined {
  if (raw === undefined || raw === '') return undefined;
  const m = SPEC_RE.exec(raw.trim());
  if (!m) throw new UsageError(`ZBAK_FAULT_AT='${raw}' is not <n>[:fail|:SIGINT|:SIGKILL] (n from 1); unset it or fix it`);
  return { at: Number(m[1]), action: (m[2] as FaultAction | undefined) ?? 'fail' };
}

/** Counts the commands about to start and says which one gets the fault. */
export class FaultCounter {
  private started = 0;

  constructor(private readonly spec: FaultSpec | undefined) {}

  /** Call once per command about to start; the fault to apply to it, if any. */
  next(): FaultAction | undefined {
    this.started += 1;
    return this.spec !== undefined && this.started === this.spec.at ? this.spec.action : undefined;
  }

  get count(): number {
    return this.started;
  }
}

export const INJECTED_STDERR = 'zbak: injected fault\n';
