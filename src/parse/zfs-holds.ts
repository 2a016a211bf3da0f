// `zfs holds -H -r <ds>...`: one line per hold, "<snapshot>\t<tag>\t<timestamp>".
import { ParseError } from '../errors.js';

export interface SnapshotHold {
  snapshot: string;
  tag: string;
}

export function parseZfsHolds(text: string): SnapshotHold[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const [snapshot, tag] = line.split('\t');
      if (!snapshot?.includes('@') || !tag) throw new ParseError('zfs holds', `unexpected line ${JSON.stringify(line)}`);
      return { snapshot, tag };
    });
}
