// Shared entry-point plumbing: run a command, print its error the way the
// imitated tool does, and exit with the tool's exit status.

/** An error the CLI prints as-is (no stack) and exits with `exitCode`. */
export class CliError extends Error {
  override name = 'CliError' as const;
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** Writes a line to stderr (SmartOS tools report progress and results there). */
export function errLine(line: string): void {
  process.stderr.write(line + '\n');
}

export function outLine(line: string): void {
  process.stdout.write(line + '\n');
}

/**
 * Runs `fn`, then exits. `format` turns an error into the lines to print and
 * the exit code; unexpected errors print their stack so bugs are visible.
 */
export function runMain(fn: () => Promise<number | void>, format: (err: unknown) => { text: string; code: number }): void {
  fn().then(
    (code) => {
      process.exitCode = typeof code === 'number' ? code : 0;
    },
    (err: unknown) => {
      const { text, code } = format(err);
      process.stderr.write(text.endsWith('\n') ? text : text + '\n');
      process.exitCode = code;
    },
  );
}
