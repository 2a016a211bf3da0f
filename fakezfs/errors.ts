// Errors a fake zfs/zpool command ends with. The message is printed verbatim
// on stderr (it already looks like real zfs output) and the code becomes the
// exit status: 1 for refusals, 2 for usage errors, like real zfs.

export class ZfsError extends Error {
  override name = 'ZfsError' as const;
  constructor(
    readonly stderr: string,
    readonly exitCode: number = 1,
  ) {
    super(stderr.trimEnd());
  }
}

/** Real zfs prints "<action>: <why>" on one line; `why` may hold newlines. */
export function fail(action: string, why: string): never {
  throw new ZfsError(`${action}: ${why}\n`);
}

/** The "dataset does not exist" refusal every command shares. */
export function noSuchDataset(name: string): never {
  fail(`cannot open '${name}'`, 'dataset does not exist');
}

/** Runs a command's main and turns its outcome into stderr and an exit status. */
export function runMain(tool: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof ZfsError) {
        process.stderr.write(e.stderr);
        process.exitCode = e.exitCode;
        return;
      }
      process.stderr.write(`${tool}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
