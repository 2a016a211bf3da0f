// Shared shapes for vmadm payload handling (create and update).

/** A payload as decoded from JSON: keys are vmadm property names. */
export type Payload = Record<string, unknown>;

/** An entry of nics/disks/filesystems. */
export type SubObject = Record<string, unknown>;

/** A payload problem; the message is exactly what vmadm prints. */
export class PayloadError extends Error {
  override name = 'PayloadError' as const;
}

/** What validation collected, with VM.js's three buckets. */
export interface ValidationErrors {
  bad_values: string[];
  bad_properties: string[];
  missing_properties: string[];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The entries of an object-array property that are objects (others are reported by validation). */
export function objectsOf(value: unknown): SubObject[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

export function has(obj: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** VM.js's fixBoolean: true/false and their strings; anything else stays as-is. */
export function fixBoolean(value: unknown): unknown {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return value;
}

/** VM.js's fixBooleanLoose: also 1/'1' and 0/'0'. */
export function fixBooleanLoose(value: unknown): unknown {
  if (value === 1 || value === '1') return true;
  if (value === 0 || value === '0') return false;
  return fixBoolean(value);
}

export function pushOnce(list: string[], item: string): void {
  if (!list.includes(item)) list.push(item);
}
