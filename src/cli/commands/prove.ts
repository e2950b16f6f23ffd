/**
 * `auditpack prove --date D (--order ID | --seq N --host H) --from [HOST=]DIR…`: a small proof file that
 * the lines are in their host pack, and the host pack in the day's roll-up.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { AuditpackError, wrapFsError } from '../../errors.js';
import type { CliIO } from '../io.js';
import { collect, parseIsoDate, parseWholeNumber } from '../options.js';
import { helpText } from '../help.js';
import { hostSources } from '../rollup-sources.js';
import { mark, printJson } from '../render.js';

interface ProveCliOptions {
  date: string;
  order?: string;
  seq?: number;
  host?: string;
  from?: string[];
  fromArchive?: string | boolean;
  rollups: string;
  out?: string;
  json?: boolean;
}

export function defineProve(program: Command, io: CliIO): void {
  program
    .command('prove')
    .description("write a proof that an order's lines (or one seq) are in the day's signed roll-up")
    .requiredOption('--date <YYYY-MM-DD>', 'the UTC day', parseIsoDate)
    .option('--order <id>', 'prove every line with this order_id, on every host')
    .option('--seq <n>', 'prove the line with this seq (needs --host)', parseWholeNumber)
    .option('--host <name>', 'only this host')
    .option('--from <[host=]dir>', "a host's artifacts directory, pack or .tar.gz (repeat for each host)", collect)
    .option('--from-archive [prefix]', "also the host packs in the configured archive bucket, as for 'rollup'")
    .option('--rollups <dir>', 'roll-ups directory', 'rollups')
    .option('--out <file>', 'write the proof here (default: stdout)')
    .option('--json', 'with --out, print a JSON summary')
    .addHelpText(
      'after',
      helpText({
        examples: [
          [
            'prove --date 2025-09-09 --order A-1 --from a=/srv/a/artifacts --from b=/srv/b/artifacts --out A-1.proof.json',
            "an order's lines on every host",
          ],
          ['prove --date 2025-09-09 --seq 42 --host a --from a=/srv/a/artifacts', 'one line of one host, on stdout'],
        ],
        exits: [
          [0, 'the proof is written'],
          [65, "the host's pack failed verification (PROOF_HOST_FAILED), or the roll-up was edited (ROLLUP_INVALID)"],
          [66, 'no roll-up of the day, or no matching line in a verified host pack (ROLLUP_NOT_FOUND)'],
          [73, '--out names a file that exists'],
        ],
      }),
    )
    .action(async (opts: ProveCliOptions) => {
      if ((opts.order === undefined) === (opts.seq === undefined))
        throw new AuditpackError('USAGE', 'give exactly one of --order and --seq');
      const where = await hostSources(io, opts);
      const { proveLines } = await import('../../proof/index.js');
      const proof = await proveLines({
        date: opts.date,
        rollupsDir: resolve(io.cwd, opts.rollups),
        ...where,
        select: opts.order !== undefined ? { orderId: opts.order } : { seq: opts.seq as number },
        ...(opts.host === undefined ? {} : { host: opts.host }),
      });
      const text = `${JSON.stringify(proof, null, 2)}\n`;
      if (opts.out === undefined) {
        io.stdout.write(text);
        return;
      }
      const out = resolve(io.cwd, opts.out);
      try {
        writeFileSync(out, text, { flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST')
          throw new AuditpackError('PACK_EXISTS', `${out} exists: a proof is never overwritten`);
        throw wrapFsError(err, 'write', out);
      }
      const lines = proof.hosts.reduce((n, h) => n + h.lines.length, 0);
      if (opts.json === true) printJson(io, { ok: true, file: out, hosts: proof.hosts.length, lines });
      else io.stdout.write(`${mark(io, 'ok')} ${lines} line(s) on ${proof.hosts.length} host(s) proven in ${out}\n`);
    });
}
