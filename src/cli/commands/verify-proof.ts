/**
 * `auditpack verify-proof FILE [--pubkey FILE | --allowed-signers FILE]`: checks a proof file with
 * nothing else at hand. Exit 0 when every line holds under a roll-up signed by a trusted key, 1 when not.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { KeyObject } from 'node:crypto';
import { AuditpackError, ExitCode, quotePath } from '../../errors.js';
import { readRegularFile } from '../../fsx/read-bounded.js';
import type { ProofReport } from '../../proof/index.js';
import { ExitWith } from '../exit.js';
import type { CliIO } from '../io.js';
import { readPublicKeys } from '../pubkeys.js';
import { helpText } from '../help.js';
import { snakeKeys } from '../json.js';
import { mark, printJson } from '../render.js';
import { printable } from '../printable.js';

const MAX_PROOF_BYTES = 64 * 1024 * 1024;

export function defineVerifyProof(program: Command, io: CliIO): void {
  program
    .command('verify-proof')
    .description('check a proof file from auditpack prove, with nothing else at hand')
    .argument('<file>', 'the proof file')
    .option('--pubkey <file>', 'the roll-up must be signed by one of these keys (OpenSSH public keys)')
    .option(
      '--allowed-signers <file>',
      'the roll-up must be signed by one of these keys (ssh-keygen allowed_signers, namespace auditpack)',
    )
    .option(
      '--allow-untrusted',
      'accept a roll-up signed by a key no --pubkey/--allowed-signers names (anyone can make a key: consistency only)',
    )
    .option(
      '--allow-unsigned',
      'accept a roll-up without a signature (anyone can make such a proof: it shows consistency only)',
    )
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      helpText({
        examples: [
          [
            'verify-proof A-1.proof.json --pubkey auditpack_ed25519.pub',
            'check it, and that the roll-up is signed by this key',
          ],
          [
            'verify-proof A-1.proof.json --allow-untrusted --json',
            'check its hashes only; the signer fingerprint is reported, to compare with one you trust',
          ],
        ],
        exits: [
          [
            0,
            'every line is proven and the roll-up is signed by a trusted key (or --allow-untrusted/--allow-unsigned)',
          ],
          [
            1,
            'a check failed, or the roll-up is unsigned (PROOF_UNSIGNED) or signed by a key not given as trusted (PROOF_SIGNER_UNTRUSTED)',
          ],
          [65, 'not a proof file (PROOF_MALFORMED)'],
        ],
      }),
    )
    .action(async (file: string, opts: ProofOpts) => {
      const path = resolve(io.cwd, file);
      // A FIFO or device is refused, and the bound counts bytes read (their size reads as 0).
      const text = readRegularFile(path, MAX_PROOF_BYTES, 'PROOF_MALFORMED').toString('utf8');
      const { verifyProof } = await import('../../proof/index.js');
      const keys = await trustedKeys(io, opts);
      const r = requireSignature(verifyProof(text, keys === undefined ? {} : { publicKeys: keys }), opts);
      if (r.problems.some((p) => p.code === 'PROOF_MALFORMED'))
        throw new AuditpackError('PROOF_MALFORMED', `${file} is not an auditpack proof file`);
      if (opts.json === true) printJson(io, snakeKeys(r));
      else renderProof(io, r);
      if (!r.ok) throw new ExitWith(ExitCode.PROBLEMS);
    });
}

interface ProofOpts {
  pubkey?: string;
  allowedSigners?: string;
  allowUnsigned?: boolean;
  allowUntrusted?: boolean;
  json?: boolean;
}

/** The keys of --pubkey or --allowed-signers (those allowed the auditpack namespace); undefined when neither. */
async function trustedKeys(io: CliIO, opts: ProofOpts): Promise<KeyObject[] | undefined> {
  if (opts.pubkey !== undefined && opts.allowedSigners !== undefined)
    throw new AuditpackError('USAGE', 'give either --pubkey or --allowed-signers, not both');
  if (opts.pubkey !== undefined) return readPublicKeys(io.cwd, opts.pubkey);
  if (opts.allowedSigners === undefined) return undefined;
  const { DEFAULT_NAMESPACE, MAX_KEY_FILE_BYTES, noSignerMessage, parseAllowedSigners, signerAllowsNamespace } =
    await import('../../signing/index.js');
  let text: string;
  try {
    text = readRegularFile(resolve(io.cwd, opts.allowedSigners), MAX_KEY_FILE_BYTES).toString('utf8');
  } catch (err) {
    throw new AuditpackError(
      'KEY_INVALID',
      `${quotePath(opts.allowedSigners)} cannot be read: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const leftOut: string[] = [];
  const all = parseAllowedSigners(text, Date.now(), leftOut);
  const keys = all.filter((s) => signerAllowsNamespace(s, DEFAULT_NAMESPACE)).map((s) => s.key);
  if (keys.length === 0)
    throw new AuditpackError(
      'KEY_INVALID',
      // The lines left out say why only when no line was left: else the namespace did.
      noSignerMessage(
        quotePath(opts.allowedSigners),
        'ssh-ed25519 signer for auditpack',
        all.length === 0 ? leftOut : [],
      ),
    );
  return keys;
}

/**
 * Anyone can compute a roll-up and a proof that holds against it, and anyone can make a key and sign
 * that roll-up: without a signature by a key the auditor trusts, the proof shows only that its hashes
 * agree, not that a firm's roll-up holds the lines. So an unsigned roll-up fails unless
 * --allow-unsigned, and one signed by a key nobody named trusted fails unless --allow-untrusted.
 */
function requireSignature(r: ProofReport, opts: ProofOpts): ProofReport {
  if (!r.ok) return r;
  let refusal: { code: string; detail: string } | undefined;
  if (r.signature === 'none' && opts.allowUnsigned !== true)
    refusal = {
      code: 'PROOF_UNSIGNED',
      detail: 'the roll-up is not signed: anyone could have made this proof (--allow-unsigned to accept it)',
    };
  if (r.signature === 'untrusted' && opts.allowUntrusted !== true)
    refusal = {
      code: 'PROOF_SIGNER_UNTRUSTED',
      detail: `the roll-up is signed by ${r.signer ?? '?'}, a key not given as trusted: anyone could have made this proof with a key of their own (--pubkey or --allowed-signers with the firm's key; --allow-untrusted to accept it)`,
    };
  return refusal === undefined ? r : { ...r, ok: false, problems: [...r.problems, refusal] };
}

const SIGNATURE_WORDS: Record<ProofReport['signature'], (signer: string) => string> = {
  trusted: (s) => `roll-up signed by ${s} (a trusted key)`,
  untrusted: (s) => `roll-up signed by ${s}, a key NOT given as trusted`,
  invalid: () => 'roll-up signature does NOT hold',
  none: () => 'UNSIGNED roll-up (no signature to check)',
};

/** Everything shown comes from the proof file (hostile input): printed through `printable`. */
function renderProof(io: CliIO, r: ProofReport): void {
  for (const p of r.problems) io.stdout.write(`${mark(io, 'fail')} ${printable(`${p.code}: ${p.detail}`)}\n`);
  for (const l of r.lines) io.stdout.write(`  ${printable(`${l.host} line ${l.index + 1}: ${l.line}`)}\n`);
  const who = printable(SIGNATURE_WORDS[r.signature](r.signer ?? '?'));
  const where = printable(`${r.date ?? '?'} (chain ${r.chainHash?.slice(0, 16) ?? '?'}…)`);
  io.stdout.write(
    `${mark(io, r.ok ? 'ok' : 'fail')} ${r.lines.length} line(s) proven in the roll-up of ${where}; ${who}\n`,
  );
}
