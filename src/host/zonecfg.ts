// Argv of the one zonecfg command zbak runs. zonecfg parses its last argument as a
// script (';' separates subcommands), so the value spliced into it must be unable to
// carry one: only the strict ISO-8601 UTC grammar passes, whatever checked it before.
import { ISO_UTC_RE } from '../archive/grammar.js';
import { ArchiveFormatError } from '../errors.js';

/** `zonecfg -z <uuid> "select attr name=create-timestamp; set value=<iso>; end"`. */
export function createTimestampArgv(uuid: string, timestamp: string): string[] {
  if (!ISO_UTC_RE.test(timestamp) || Number.isNaN(Date.parse(timestamp))) {
    throw new ArchiveFormatError(
      `zbak.json: zone.createTimestamp ${JSON.stringify(timestamp.slice(0, 60))} is not an ISO-8601 UTC time; refusing to pass it to zonecfg`,
      'zbak.json',
    );
  }
  return ['zonecfg', '-z', uuid, `select attr name=create-timestamp; set value=${timestamp}; end`];
}
