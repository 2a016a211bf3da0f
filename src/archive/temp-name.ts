// The hidden name an archive is written under until it is complete. It carries the
// writer's pid so the next save can tell a dead writer's leftover from a live one's.

const TEMP_NAME = /^\.(.+\.zbak)\.partial-([1-9][0-9]{0,9})-([0-9a-f]{8})$/;

/** `.<final name>.partial-<pid>-<random>`: hidden and not ending in .zbak, so never taken for an archive. */
export function tempArchiveName(finalName: string, pid: number, random: string): string {
  return `.${finalName}.partial-${pid}-${random}`;
}

/** The writer's pid and final name, or undefined when `name` is not a temp name zbak writes. */
export function parseTempArchiveName(name: string): { finalName: string; pid: number } | undefined {
  const m = TEMP_NAME.exec(name);
  return m ? { finalName: m[1]!, pid: Number(m[2]) } : undefined;
}
