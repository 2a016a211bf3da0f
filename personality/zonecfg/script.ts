// Parses and applies the zonecfg(8) subcommands zbak and the lab use:
//   select attr name=<n>; set value=<v>; end      info attr name=<n>
//   set autoboot=<bool>                           commit / exit (no-ops)
// Attributes map onto vmadm properties in the stored zone configuration. Pure.

export interface ZonecfgCommand {
  verb: string;
  words: string[];
}

/** Splits a zonecfg script into commands (';' or newline separated), honouring "quotes". */
export function parseScript(script: string): ZonecfgCommand[] {
  const commands: ZonecfgCommand[] = [];
  let words: string[] = [];
  let word = '';
  let quoted = false;
  let inWord = false;
  const endWord = (): void => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = (): void => {
    endWord();
    const [verb, ...rest] = words;
    if (verb !== undefined) commands.push({ verb, words: rest });
    words = [];
  };
  for (const ch of script) {
    if (quoted) {
      if (ch === '"') quoted = false;
      else word += ch;
    } else if (ch === '"') {
      quoted = true;
      inWord = true;
    } else if (ch === ';' || ch === '\n') {
      endCommand();
    } else if (ch === ' ' || ch === '\t') {
      endWord();
    } else {
      word += ch;
      inWord = true;
    }
  }
  endCommand();
  return commands;
}

/** zonecfg attr name -> vmadm config property (and how values are typed). */
const ATTRS: Record<string, { prop: string; kind: 'string' | 'boolean' }> = {
  'create-timestamp': { prop: 'create_timestamp', kind: 'string' },
  'vm-autoboot': { prop: 'autoboot', kind: 'boolean' },
  alias: { prop: 'alias', kind: 'string' },
};

/** A zonecfg refusal; printed as-is. */
export class ZonecfgError extends Error {
  override name = 'ZonecfgError' as const;
}

function keyValue(word: string | undefined): [string, string] {
  const eq = word?.indexOf('=') ?? -1;
  if (!word || eq < 0) throw new ZonecfgError(`syntax error near "${word ?? ''}"`);
  return [word.slice(0, eq), word.slice(eq + 1)];
}

/** Applies the commands to a zone's config; returns the lines `info` printed. */
export function applyScript(commands: readonly ZonecfgCommand[], config: Record<string, unknown>): string[] {
  const out: string[] = [];
  let selected: { name: string; value: unknown } | undefined;
  for (const cmd of commands) {
    if (cmd.verb === 'commit' || cmd.verb === 'exit') continue;
    if (cmd.verb === 'select' || cmd.verb === 'info') {
      if (cmd.words[0] !== 'attr') throw new ZonecfgError(`${cmd.verb} ${cmd.words.join(' ')}: not supported`);
      const [k, name] = keyValue(cmd.words[1]);
      const attr = k === 'name' ? ATTRS[name] : undefined;
      if (!attr || !(attr.prop in config)) throw new ZonecfgError('No such attr resource.');
      if (cmd.verb === 'info') {
        out.push('attr:', `\tname: ${name}`, '\ttype: string', `\tvalue: ${String(config[attr.prop])}`);
      } else {
        selected = { name, value: config[attr.prop] };
      }
    } else if (cmd.verb === 'set') {
      const [k, v] = keyValue(cmd.words[0]);
      if (selected) {
        if (k !== 'value') throw new ZonecfgError(`set ${k}: not supported for attr`);
        selected.value = v;
      } else if (k === 'autoboot') {
        config['autoboot'] = v === 'true';
      } else {
        throw new ZonecfgError(`set ${k}: not supported`);
      }
    } else if (cmd.verb === 'end') {
      if (!selected) throw new ZonecfgError('end: no resource selected');
      const attr = ATTRS[selected.name];
      if (attr) config[attr.prop] = attr.kind === 'boolean' ? selected.value === 'true' : selected.value;
      selected = undefined;
    } else {
      throw new ZonecfgError(`${cmd.verb}: not supported`);
    }
  }
  if (selected) throw new ZonecfgError('resource incomplete; type "end" to commit');
  return out;
}
