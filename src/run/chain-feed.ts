// The stream source of a chain restore: the archives of a chain read one after the other,
// each by its own StreamFeed (which checks that archive to its end before the next opens).
// Stream ids of the later links are "<link>:<id>" (plan ids of the merged header).
import type { Readable } from 'node:stream';
import type { CheckedArchive } from '../archive/reader.js';
import { ZbakError } from '../errors.js';
import type { StreamSource } from './execute.js';
import { StreamFeed } from './stream-feed.js';

export interface ChainFile {
  file: string;
  verified: CheckedArchive;
}

/** "<link>:<id>" for a later link's stream; the full archive's keep their own ids. */
export const linkStreamId = (link: number, id: string): string => (link === 0 ? id : `${link}:${id}`);

function splitId(id: string): { link: number; id: string } {
  const m = /^(\d+):(.+)$/.exec(id);
  return m ? { link: Number(m[1]), id: m[2]! } : { link: 0, id };
}

export class ChainFeed implements StreamSource {
  private current: { link: number; feed: StreamFeed } | undefined;

  constructor(private readonly links: readonly ChainFile[]) {}

  private async advanceTo(link: number): Promise<StreamFeed> {
    if (link >= this.links.length) throw new ZbakError(`the plan wants link ${link} of a chain of ${this.links.length}`);
    if (this.current && this.current.link > link) throw new ZbakError(`the plan goes back to link ${link} of the chain`);
    while (!this.current || this.current.link < link) {
      // The previous archive is read to its end (trailer and hashes checked) before the next opens.
      if (this.current) await this.current.feed.done();
      const next = this.current ? this.current.link + 1 : 0;
      const l = this.links[next]!;
      this.current = { link: next, feed: StreamFeed.ofFile(l.file, l.verified) };
    }
    return this.current.feed;
  }

  async take(streamId: string): Promise<Readable> {
    const { link, id } = splitId(streamId);
    return (await this.advanceTo(link)).take(id);
  }

  async done(): Promise<void> {
    await (await this.advanceTo(this.links.length - 1)).done();
  }

  async close(): Promise<void> {
    await this.current?.feed.close();
  }
}
