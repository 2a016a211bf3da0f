// UUID checks shared by vmadm, imgadm and zonecfg.
import { randomUUID } from 'node:crypto';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}

/** vmadm's own loose check for a command-line uuid (length and dashes only). */
export function looksLikeUuid(value: string): boolean {
  return value.length === 36 && value[8] === '-' && value[13] === '-' && value[18] === '-' && value[23] === '-';
}

export function newUuid(): string {
  return randomUUID();
}
