// Dataset and snapshot names: parsing and the validity rules of
// zfs_validate_name(), with its messages.

export function poolOf(name: string): string {
  return name.split(/[/@#]/, 1)[0] ?? name;
}

/** "a/b@s" -> ["a/b", "s"]. */
export function splitSnap(name: string): [string, string] {
  const at = name.indexOf('@');
  return at < 0 ? [name, ''] : [name.slice(0, at), name.slice(at + 1)];
}

export function parentOf(name: string): string | undefined {
  const slash = name.lastIndexOf('/');
  return slash < 0 ? undefined : name.slice(0, slash);
}

/** True when `name` is `ancestor` itself or lies below it (a/b below a). */
export function isWithin(name: string, ancestor: string): boolean {
  return name === ancestor || name.startsWith(`${ancestor}/`) || name.startsWith(`${ancestor}@`);
}

const VALID_CHAR = /^[A-Za-z0-9_.: -]$/;

/**
 * Returns the aux message real zfs prints for an invalid name, or undefined
 * when valid. `kind` says whether a snapshot name is expected.
 */
export function nameProblem(name: string, kind: 'dataset' | 'snapshot' | 'any'): string | undefined {
  if (kind === 'dataset' && name.includes('@')) return "snapshot delimiter '@' is not expected here";
  if (kind === 'snapshot' && !name.includes('@')) return "missing '@' delimiter in snapshot name";
  if (name.includes('#')) return "bookmark delimiter '#' is not expected here";
  if (name.length >= 256) return 'name is too long';
  if (name.startsWith('/')) return 'leading slash in name';
  if ((name.match(/@/g) ?? []).length > 1) return "multiple '@' and/or '#' delimiters in name";
  const [ds, snap] = splitSnap(name);
  if (name.includes('@') && snap === '') return "empty component or misplaced '@' or '#' delimiter in name";
  if (ds.endsWith('/') && !name.includes('@')) return 'trailing slash in name';
  for (const comp of ds.split('/')) {
    if (comp === '') return "empty component or misplaced '@' or '#' delimiter in name";
    if (comp === '.') return "self reference, '.' is found in name";
    if (comp === '..') return "parent reference, '..' is found in name";
  }
  for (const ch of ds + snap) {
    if (ch !== '/' && !VALID_CHAR.test(ch)) return `invalid character '${ch}' in name`;
  }
  if (!/^[A-Za-z]/.test(poolOf(name))) return "pool doesn't begin with a letter";
  return undefined;
}
