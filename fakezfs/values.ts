// The value and source `zfs get`/`zfs list` print for one property of one
// dataset, formatted like libzfs (nicebytes, "none", dates) or raw with -p.
import type { FakeEnv } from './env.js';
import { type Resolved, mountpointOf, resolve, sourceText } from './inherit.js';
import { clonesOf, holdCount, originName } from './model.js';
import { formatCreation, nicebytes } from './nicenum.js';
import { type PropDef, findProp, isUserProp } from './props.js';
import { Space } from './space.js';
import type { State } from './state.js';

export interface Shown {
  value: string;
  source: string;
}


/** Formatting context shared by one command invocation. */
export class Viewer {
  readonly space: Space;
  constructor(
    readonly env: FakeEnv,
    readonly state: State,
  ) {
    this.space = new Space(env, state);
  }

  /** The value as printed; "-" with source "-" when the property has none here. */
  show(name: string, prop: string, literal: boolean): Shown {
    return this.lookup(name, prop, literal) ?? { value: '-', source: '-' };
  }

  /** undefined when the property has no value for this dataset (or does not apply). */
  lookup(name: string, prop: string, literal: boolean): Shown | undefined {
    if (prop === 'name') return { value: name, source: '-' };
    const def = findProp(prop);
    if (!def) {
      if (!isUserProp(prop)) return undefined;
      const r = resolve(this.state, name, prop);
      return r ? { value: r.value, source: sourceText(r.source) } : undefined;
    }
    const o = this.state.objects[name];
    if (!o || !def.types.includes(o.type)) return undefined;
    return this.computed(name, def, literal);
  }

  private size(n: bigint, literal: boolean, def?: PropDef): string {
    if (def?.noneIsZero && n === 0n && !literal) return 'none';
    return literal ? n.toString() : nicebytes(n);
  }

  private stored(name: string, def: PropDef, literal: boolean): Shown | undefined {
    const r: Resolved | undefined =
      def.name === 'mountpoint' ? mountpointOf(this.state, name) : resolve(this.state, name, def.name);
    if (!r) return undefined;
    let value = r.value;
    if (def.kind === 'size' && /^[0-9]+$/.test(value)) value = this.size(BigInt(value), literal, def);
    return { value, source: sourceText(r.source) };
  }

  private computed(name: string, def: PropDef, literal: boolean): Shown | undefined {
    const o = this.state.objects[name];
    if (!o) return undefined;
    const ro = (value: string): Shown => ({ value, source: '-' });
    const sp = this.space;
    switch (def.name) {
      case 'type':
        return ro(o.type);
      case 'creation':
        return ro(literal ? String(o.creation) : formatCreation(o.creation));
      case 'used':
        return ro(this.size(sp.used(name), literal));
      case 'available':
        return ro(this.size(sp.available(name), literal));
      case 'referenced':
        return ro(this.size(sp.referenced(name), literal));
      case 'usedbysnapshots':
      case 'usedbydataset':
      case 'usedbychildren':
      case 'usedbyrefreservation':
        return ro(this.size(sp.usedBy(name, def.name.slice('usedby'.length) as 'dataset'), literal));
      case 'written':
        return ro(this.size(sp.written(name), literal));
      case 'compressratio':
        return ro(literal ? '1.00' : '1.00x');
      case 'mounted':
        return ro(o.mounted ? 'yes' : 'no');
      case 'origin': {
        const n = originName(this.state, name);
        return n === undefined ? undefined : ro(n);
      }
      case 'clones': {
        const c = clonesOf(this.state, name);
        return c.length === 0 ? undefined : ro(c.join(','));
      }
      case 'guid':
        return ro(o.guid);
      case 'createtxg':
        return ro(String(o.createtxg));
      case 'userrefs':
        return ro(String(holdCount(this.state, name)));
      case 'volsize': {
        const ds = o.type === 'snapshot' ? name.split('@')[0] ?? name : name;
        const v = this.state.objects[ds]?.props['volsize'];
        if (!v) return undefined;
        const src = o.type === 'snapshot' ? '-' : v.source;
        return { value: this.size(BigInt(v.value), literal), source: src };
      }
      case 'refreservation': {
        const r = resolve(this.state, name, 'refreservation');
        if (r?.value === 'auto') {
          return { value: this.size(sp.refreservation(name), literal, def), source: sourceText(r.source) };
        }
        return this.stored(name, def, literal);
      }
      default:
        return this.stored(name, def, literal);
    }
  }
}
