/**
 * `auditpack keygen`: make an Ed25519 signing key pair for packs: the private key (PKCS#8 PEM,
 * mode 0600), the public key in OpenSSH form, and an `allowed_signers` line for auditors.
 */
import { hostname } from 'node:os';
import { relative } from 'node:path';
import type { Command } from 'commander';
import { AuditpackError } from '../../errors.js';
import type { CliIO } from '../io.js';
import { helpText } from '../help.js';
import { snakeKeys } from '../json.js';
import { mark, printJson } from '../render.js';

interface KeygenOptions {
  out: string;
  identity?: string;
  name?: string;
  json?: boolean;
}

export function defineKeygen(program: Command, io: CliIO): void {
  program
    .command('keygen')
    .description('make an Ed25519 key pair for signing packs (never overwrites)')
    .option('--out <dir>', 'directory for the key files (git-ignored by default)', '.auditpack-keys')
    .option('--identity <id>', 'signer identity for allowed_signers (default auditpack@<host>)')
    .option('--name <file>', 'base file name of the key (default auditpack_ed25519)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['keygen', 'a key pair in .auditpack-keys/'],
          ['keygen --out /etc/auditpack --identity desk7@example.com --json', 'elsewhere, with an identity, as JSON'],
        ],
        exits: [
          [0, 'written'],
          [73, 'a key file exists (never overwritten)'],
          [74, 'writing failed'],
        ],
      }),
    )
    .action(async (opts: KeygenOptions) => {
      // An empty --out would resolve to the working directory and scatter keys there.
      if (opts.out.trim() === '') throw new AuditpackError('USAGE', '--out must name a directory (it is empty)');
      const { resolve } = await import('node:path');
      const { generateSigningKey } = await import('../../signing/index.js');
      const dir = resolve(io.cwd, opts.out);
      const identity = opts.identity ?? `auditpack@${hostname()}`;
      const k = await generateSigningKey(dir, { identity, ...(opts.name !== undefined ? { name: opts.name } : {}) });
      if (opts.json === true) {
        printJson(io, snakeKeys({ ok: true, ...k }));
        return;
      }
      const rel = (p: string): string => relative(io.cwd, p) || p;
      io.stdout.write(
        `${mark(io, 'ok')} wrote ${rel(k.privateKeyPath)} (private, mode 0600), ${rel(k.publicKeyPath)} and ${rel(k.allowedSignersPath)} for ${k.identity}; fingerprint ${k.fingerprint}; sign packs with AUDITPACK_SIGNING_KEY=${rel(k.privateKeyPath)}\n`,
      );
    });
}
