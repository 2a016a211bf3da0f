// `zfs get -H -p -o name,property,value,source` output as a nested map.
import { ParseError } from '../errors.js';

export interface PropValue {
  value: string;
  source: string;
}

export type ZfsProps = Map<string, Map<string, PropValue>>;

export function parseZfsGet(text: string): ZfsProps {
  const out: ZfsProps = new Map();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const f = line.split('\t');
    if (f.length !== 4) {
      throw new ParseError('zfs get -H -p -o name,property,value,source', `line ${i + 1} has ${f.length} fields: ${line}`);
    }
    const [name, property, value, source] = f as [string, string, string, string];
    let props = out.get(name);
    if (!props) out.set(name, (props = new Map()));
    props.set(property, { value, source });
  });
  return out;
}

/** Properties set on the dataset itself (source local or received). */
export function localProps(props: Map<string, PropValue> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of props ?? []) if (v.source === 'local' || v.source === 'received') out[k] = v.value;
  return out;
}
