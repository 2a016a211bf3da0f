// A restore point that is an incremental archive: find the rest of its chain beside it (or in
// --from DIR), check that every link is the archive its successor names with GUIDs that link
// (plan/chain.ts), check each link as restore checks an archive (structure first, every hash
// while receiving; --force: verified in full first), and merge them into one header for the planner:
// the full archive's images and streams, then each later link's zone streams in order, the
// zone's configuration and state as of the restore point. Refuses before any change.
import { basename, dirname } from 'node:path';
import type { Header } from '../archive/format.js';
import type { CheckedArchive } from '../archive/reader.js';
import { ArchiveFormatError } from '../errors.js';
import { linkOf, resolveChain } from '../plan/chain.js';
import { linkStreamId, type ChainFile } from './chain-feed.js';
import type { Log } from './commands.js';
import { scanMedium } from './medium-scan.js';

export interface ChainRestore {
  links: ChainFile[];
  /** The planner's header: full archive's images, every link's streams (later ids "<link>:<id>"). */
  header: Header;
  /** Every stream's size by its merged id (progress display). */
  sizes: Map<string, number>;
}

export async function gatherChain(file: string, target: CheckedArchive, from: string | undefined, check: (path: string) => Promise<CheckedArchive>, log: Log): Promise<ChainRestore> {
  const dir = from ?? dirname(file);
  const refuse = (why: string): never => {
    throw new ArchiveFormatError(`${file} is incremental and its chain cannot be used: ${why}; every archive of the chain must be in ${dir} (--from DIR)`, basename(file));
  };
  const scan = await scanMedium(dir).catch((e: Error) => refuse(e.message));
  const byName = new Map(scan.archives.map((a) => [a.name, a]));
  let order: string[] = [];
  try {
    order = resolveChain(linkOf(basename(file), target.header), scan.archives.filter((a) => a.name !== basename(file)).map((a) => linkOf(a.name, a.header))).map((l) => l.name);
  } catch (e) {
    refuse((e as Error).message);
  }
  log(`chain of ${basename(file)}: ${order.join(' -> ')}`);
  const links: ChainFile[] = [];
  for (const name of order) {
    if (name === basename(file)) {
      links.push({ file, verified: target });
      continue;
    }
    const path = byName.get(name)!.path;
    links.push({ file: path, verified: await check(path) });
  }
  return { links, header: mergedHeader(links), sizes: mergedSizes(links) };
}

function mergedHeader(links: readonly ChainFile[]): Header {
  const full = links[0]!.verified.header;
  const last = links[links.length - 1]!.verified.header;
  const streams = links.flatMap((l, k) =>
    l.verified.header.streams.filter((s) => k === 0 || s.role !== 'image').map((s) => ({ ...s, id: linkStreamId(k, s.id) })),
  );
  const { base: _base, ...point } = last;
  return { ...point, images: full.images, streams };
}

function mergedSizes(links: readonly ChainFile[]): Map<string, number> {
  return new Map(links.flatMap((l, k) => l.verified.trailer.streams.map((t): [string, number] => [linkStreamId(k, t.id), t.size])));
}
