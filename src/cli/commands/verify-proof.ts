/**
 * `auditpack verify-proof FILE [--pubkey FILE]`: checks a proof file with nothing else at hand.
 * Exit 0 when every line holds, 1 when anything does not.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { AuditpackError, ExitCode } from '../../errors.js';
import { readRegularFile } from '../../fsx/read-bounded.js';
import { ExitWith } from '../exit.js';
import type { CliIO } from '../io.js';
import { readPublicKeys } from '../pubkeys.js';
import { helpText } from '../help.js';
import { snakeKeys } from '../json.js';
import { mark, printJson } from '../render.js';

const MAX_PROOF_BYTES = 64 * 1024 * 1024;

export function defineVerifyProof(program: Command, io: CliIO): void {
  program
    .command('verify-proof')
    .description('check a proof file from auditpack prove, with nothing else at hand')
    .argument('<file>', 'the proof file')
    .option('--pubkey <file>', 'the roll-up must be signed by one of these keys (OpenSSH public keys)')
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
          ['verify-proof A-1.proof.json --json', 'check it on its own; the signer fingerprint is reported'],
        ],
        exits: [
          [0, 'every line is proven (and the roll-up is signed, or --allow-unsigned)'],
          [1, 'a check failed, or the roll-up is unsigned without --allow-unsigned (PROOF_UNSIGNED)'],
          [65, 'not a proof file (PROOF_MALFORMED)'],
        ],
      }),
    )
    .action(async (file: string, opts: { pubkey?: string; allowUnsigned?: boolean; json?: boolean }) => {
      const path = resolve(io.cwd, file);
      // A FIFO or device is refused, and the bound counts bytes read (their size reads as 0).
      const text = readRegularFile(path, MAX_PROOF_BYTES, 'PROOF_MALFORMED').toString('utf8');
      const { verifyProof } = await import('../../proof/index.js');
      const keys = opts.pubkey === undefined ? undefined : await readPublicKeys(io.cwd, opts.pubkey);
      const r = requireSignature(verifyProof(text, keys === undefined ? {} : { publicKeys: keys }), opts);
      if (r.problems.some((p) => p.code === 'PROOF_MALFORMED'))
        throw new AuditpackError('PROOF_MALFORMED', `${file} is not an auditpack proof file`);
      if (opts.json === true) printJson(io, snakeKeys(r));
      else renderProof(io, r);
      if (!r.ok) throw new ExitWith(ExitCode.PROBLEMS);
    });
}

/**
 * Anyone can compute an unsigned roll-up and a proof that holds against it: without a signature
 * the proof shows only that its hashes agree, not that a firm's roll-up holds the lines. So an
 * unsigned roll-up fails unless the auditor accepts that with --allow-unsigned.
 */
function requireSignature(
  r: import('../../proof/index.js').ProofReport,
  opts: { allowUnsigned?: boolean },
): import('../../proof/index.js').ProofReport {
  if (!r.ok || r.signer !== null || opts.allowUnsigned === true) return r;
  const unsigned = {
    code: 'PROOF_UNSIGNED',
    detail: 'the roll-up is not signed: anyone could have made this proof (--allow-unsigned to accept it)',
  };
  return { ...r, ok: false, problems: [...r.problems, unsigned] };
}

function renderProof(io: CliIO, r: import('../../proof/index.js').ProofReport): void {
  for (const p of r.problems) io.stdout.write(`${mark(io, 'fail')} ${p.code}: ${p.detail}\n`);
  for (const l of r.lines) io.stdout.write(`  ${l.host} line ${l.index + 1}: ${l.line}\n`);
  const who = r.signer === null ? 'UNSIGNED roll-up (no signature to check)' : `roll-up signed by ${r.signer}`;
  io.stdout.write(
    `${mark(io, r.ok ? 'ok' : 'fail')} ${r.lines.length} line(s) proven in the roll-up of ${r.date ?? '?'} (chain ${r.chainHash?.slice(0, 16) ?? '?'}…); ${who}\n`,
  );
}
