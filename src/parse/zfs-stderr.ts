// Known zfs stderr, classified so callers can react (messages verified in the lab,
// see fixtures/lab/ and /work/shared/lab/RECIPE.md §4).
export type ZfsFailure =
  | 'does-not-exist'
  | 'destination-is-clone'
  | 'destination-exists'
  | 'origin-missing'
  | 'incremental-mismatch'
  | 'has-dependent-clones'
  | 'busy'
  | 'other';

export function classifyZfsStderr(stderr: string): ZfsFailure {
  if (/dataset does not exist/.test(stderr)) return 'does-not-exist';
  if (/is a clone/.test(stderr)) return 'destination-is-clone';
  if (/destination '.*' exists/.test(stderr)) return 'destination-exists';
  if (/local origin for clone .* does not exist/.test(stderr)) return 'origin-missing';
  if (/does not match incremental source|destination '.*' does not exist/.test(stderr)) return 'incremental-mismatch';
  if (/dependent clones/.test(stderr)) return 'has-dependent-clones';
  if (/dataset is busy|pool or dataset is busy/.test(stderr)) return 'busy';
  return 'other';
}
