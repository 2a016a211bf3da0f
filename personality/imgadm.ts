// `imgadm`: SmartOS's image tool, the local subset (get, list, install,
// delete) over the `zfs` command. Errors print as "imgadm <cmd>: error (<Code>): <msg>".
import { runMain, outLine } from './common/main.js';
import { isUuid } from './common/uuid.js';
import { runZfs, splitRows, zfs, ZfsCommandError } from './common/zfs.js';
import { getInstalledImage, removeImageDbEntry } from './imgadm/db.js';
import { hasDependentClones, ImgadmError, imageNotInstalled, invalidUuid, usageError } from './imgadm/errors.js';
import { installImage } from './imgadm/install.js';
import { formatTable, listImages, rowOf } from './imgadm/list.js';

interface Opts {
  flags: Map<string, string | true>;
  args: string[];
}

const VALUE_FLAGS = new Set(['P', 'm', 'f', 'o', 's']);
const BOOL_FLAGS = new Set(['j', 'H', 'r', 'q', 'h', 'json', 'quiet', 'help']);

function parse(argv: readonly string[]): Opts {
  const flags = new Map<string, string | true>();
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('-') || a === '-') {
      args.push(a);
      continue;
    }
    const name = a.replace(/^--?/, '');
    if (VALUE_FLAGS.has(name)) {
      const v = argv[++i];
      if (v === undefined) throw usageError(`do not have enough args for "${a}" option`);
      flags.set(name, v);
    } else if (BOOL_FLAGS.has(name)) flags.set(name === 'json' ? 'j' : name, true);
    else throw new ImgadmError('UnknownOption', `unknown option: "${a}"`);
  }
  return { flags, args };
}

function oneUuid(o: Opts): string {
  if (o.args.length !== 1) throw usageError(`incorrect number of args (${o.args.length}): "${o.args.join(' ')}"`);
  const uuid = o.args[0] ?? '';
  if (!isUuid(uuid)) throw invalidUuid(uuid);
  return uuid;
}

const pool = (o: Opts): string => (typeof o.flags.get('P') === 'string' ? (o.flags.get('P') as string) : 'zones');

async function main(subcmd: string, o: Opts): Promise<void> {
  switch (subcmd) {
    case 'get':
    case 'info': {
      const uuid = oneUuid(o);
      const info = await getInstalledImage(pool(o), uuid);
      if (!info) throw imageNotInstalled(pool(o), uuid);
      if (o.flags.has('r')) {
        const ds = `${pool(o)}/${uuid}`;
        const snaps = splitRows(await zfs(['list', '-t', 'all', '-p', '-H', '-r', '-o', 'name', ds])).map((r) => r[0] ?? '').slice(1);
        const clones = splitRows(await zfs(['list', '-t', 'filesystem,volume', '-o', 'origin,name', '-p', '-H']))
          .filter((r) => (r[0] ?? '').startsWith(`${ds}@`))
          .map((r) => r[1] ?? '');
        outLine(JSON.stringify({ ...info, children: { snapshots: snaps, clones } }, null, 2));
      } else {
        outLine(JSON.stringify(info, null, 2));
      }
      return;
    }
    case 'list': {
      const images = await listImages();
      if (o.flags.has('j')) return outLine(JSON.stringify(images, null, 2));
      const cols = String(o.flags.get('o') ?? 'uuid,name,version,os,type,pub').split(/\s*,\s*/);
      const sort = String(o.flags.get('s') ?? 'published_at,name').split(/\s*,\s*/);
      for (const line of formatTable(images.map(rowOf), cols, sort, !o.flags.has('H'))) outLine(line);
      return;
    }
    case 'install': {
      if (o.args.length !== 0) throw usageError(`unexpected args (${o.args.length}): "${o.args.join(' ')}"`);
      const m = o.flags.get('m');
      const f = o.flags.get('f');
      await installImage({ manifestPath: typeof m === 'string' ? m : undefined, filePath: typeof f === 'string' ? f : undefined, zpool: pool(o) });
      return;
    }
    case 'delete':
    case 'destroy': {
      const uuid = oneUuid(o);
      const zp = pool(o);
      const ds = `${zp}/${uuid}`;
      if (!(await getInstalledImage(zp, uuid))) throw imageNotInstalled(zp, uuid);
      const clones = splitRows(await zfs(['list', '-t', 'filesystem,volume', '-o', 'origin,name', '-p', '-H']))
        .filter((r) => (r[0] ?? '').startsWith(`${ds}@`))
        .map((r) => r[1] ?? '');
      if (clones.length > 0) throw hasDependentClones(uuid, clones);
      const r = await runZfs(['destroy', '-r', ds]);
      if (r.exitCode !== 0) throw new ImgadmError('InternalError', `error deleting image "${uuid}": ${r.stderr.trim()}`);
      await removeImageDbEntry(zp, uuid);
      outLine(`Deleted image ${uuid}`);
      return;
    }
    default:
      throw new ImgadmError('UnknownCommand', `unknown command: "${subcmd}"`);
  }
}

const argv = process.argv.slice(2);
const subcmd = argv[0] ?? '';
runMain(
  async () => {
    if (!subcmd) throw usageError('no command given');
    await main(subcmd, parse(argv.slice(1)));
  },
  (err) => {
    if (err instanceof ImgadmError) return { text: `imgadm ${subcmd}: error (${err.code}): ${err.message}`, code: err.exitStatus };
    if (err instanceof ZfsCommandError) return { text: `imgadm ${subcmd}: error (InternalError): ${err.message}`, code: 1 };
    return { text: `imgadm ${subcmd}: error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, code: 1 };
  },
);
