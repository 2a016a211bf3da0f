#!/usr/bin/env node
// Process entry point: sets the exit status (no process.exit, so piped output is flushed).
import { hideBin } from 'yargs/helpers';
import { main } from './app.js';
import { reportError } from './commands.js';

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.exitCode = reportError(e);
  },
);
