// `zbak keygen [FILE]`: an age identity (the key that opens encrypted archives), and
// `zbak keygen --sign FILE`: an Ed25519 signing key with FILE.pub. Private keys are created
// with mode 0600 and never over an existing file.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { UsageError, ZbakError } from '../errors.js';
import { newAgeIdentity } from '../archive/age-header.js';
import { keyFingerprint } from '../archive/signature.js';
import { printable } from '../model/printable.js';

function writeNew(path: string, text: string, mode: number): void {
  try {
    writeFileSync(path, text, { flag: 'wx', mode });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`${printable(path)} exists; zbak keygen never overwrites a key (choose another name)`);
    throw new ZbakError(`cannot write ${printable(path)}: ${code ?? String(err)}`);
  }
}

/** Returns the lines for stdout; the identity itself goes to stdout only when no FILE is given. */
export async function keygen(file: string | undefined, sign: boolean, stderr: (line: string) => void): Promise<string[]> {
  if (sign) {
    if (file === undefined) throw new UsageError('keygen --sign needs a FILE (the private key; FILE.pub gets the public key)');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeNew(file, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600);
    writeNew(`${file}.pub`, publicKey.export({ type: 'spki', format: 'pem' }) as string, 0o644);
    stderr(`signing key written to ${file}, public key (for --trust) to ${file}.pub`);
    return [keyFingerprint(publicKey)];
  }
  const { identity, recipient } = await newAgeIdentity();
  const text = `# created: ${new Date().toISOString()}\n# public key: ${recipient}\n${identity}\n`;
  if (file === undefined) {
    stderr(`Public key: ${recipient}`);
    return [text.trimEnd()];
  }
  writeNew(file, text, 0o600);
  stderr(`identity written to ${file}; archives encrypted to the recipient below open with --identity ${file}`);
  return [recipient];
}
