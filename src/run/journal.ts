// The undo list of a running restore, kept in a file on the host after every
// step (atomic write, fsync), so a restore killed with -9 or by a power cut is
// taken back by the next zbak run on that zone before it plans anything.
import { z } from 'zod';
import { ZbakError } from '../errors.js';
import type { Host } from '../host/host.js';
import type { Step } from '../plan/steps.js';

export const journalPath = (key: string): string => `/var/zbak/journal/${key}.json`;

const StepSchema: z.ZodType<Step> = z.lazy(() =>
  z
    .object({
      kind: z.string(),
      what: z.string(),
      op: z.enum(['run', 'receive', 'drain', 'write-file', 'remove-file', 'expect-snapshots', 'archive-end', 'commit', 'read', 'send', 'publish']),
      argv: z.array(z.string()).optional(),
      undo: z.array(StepSchema).optional(),
    })
    .passthrough(),
) as unknown as z.ZodType<Step>;

const JournalSchema = z.object({ zbakJournal: z.literal(1), key: z.string(), groups: z.array(z.array(StepSchema)) });

export class Journal {
  private constructor(
    private readonly host: Host | null,
    private readonly key: string,
    private list: Step[][],
  ) {}

  /** A fresh journal for `key` (a zone uuid); see `load` for one an earlier run left. */
  static create(host: Host, key: string): Journal {
    return new Journal(host, key, []);
  }

  /** The journal an interrupted run left, or undefined. */
  static async load(host: Host, key: string): Promise<Journal | undefined> {
    const text = await host.readFile(journalPath(key));
    if (text === undefined) return undefined;
    let parsed: z.infer<typeof JournalSchema>;
    try {
      parsed = JournalSchema.parse(JSON.parse(text));
    } catch (e) {
      throw new ZbakError(
        `the restore journal ${journalPath(key)} is damaged (${(e as Error).message.split('\n')[0]}); check the zone's datasets by hand, then remove the file`,
      );
    }
    return new Journal(host, key, parsed.groups);
  }

  /** A journal kept in memory only (a save: its undo is removing its own snapshot; a killed save leaves that for the next one to prune). */
  static memory(key: string): Journal {
    return new Journal(null, key, []);
  }

  /** An in-memory journal that records nothing on the host (while undoing). */
  detached(): Journal {
    return new Journal(null, this.key, []);
  }

  async push(group: Step[]): Promise<void> {
    this.list.push(group);
    await this.save();
  }

  /** Replaces the whole list by one group (none when empty), in one write. */
  async replace(group: Step[]): Promise<void> {
    this.list = group.length > 0 ? [group] : [];
    await this.save();
  }

  async pop(): Promise<void> {
    this.list.pop();
    await this.save();
  }

  async groups(): Promise<readonly Step[][]> {
    return this.list;
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  async clear(): Promise<void> {
    this.list = [];
    if (this.host) await this.host.removeFile(journalPath(this.key));
  }

  private async save(): Promise<void> {
    if (!this.host) return;
    if (this.list.length === 0) return this.clear();
    await this.host.writeFile(journalPath(this.key), `${JSON.stringify({ zbakJournal: 1, key: this.key, groups: this.list })}\n`);
  }
}
