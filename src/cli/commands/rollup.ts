/**
 * `auditpack rollup --date D --from [HOST=]DIR… [--hosts FILE]`: one firm-wide day from every host's
 * pack. Exit 0 when no finding is an error, 1 when one is (the roll-up is written either way: it
 * records what was received and how it judged).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { ExitWith, packageVersion, yesterdayUtc } from '../exit.js';
import type { CliIO } from '../io.js';
import { collect, parseIsoDate, parseWholeNumber } from '../options.js';
import { readPublicKeys } from '../pubkeys.js';
import { helpText } from '../help.js';
import { hostSources } from '../rollup-sources.js';
import { mark, printJson } from '../render.js';

interface RollupCliOptions {
  date?: string;
  from?: string[];
  fromArchive?: string | boolean;
  hosts?: string;
  policy?: string;
  out: string;
  signingKey?: string;
  pubkey?: string;
  graceHours?: number;
  maxSkewMs?: number;
  force?: boolean;
  json?: boolean;
}

export function defineRollup(program: Command, io: CliIO): void {
  program
    .command('rollup')
    .description("roll every host's pack of a day into one firm-wide pack, with findings")
    .option('--date <YYYY-MM-DD>', 'the UTC day (default: yesterday)', parseIsoDate)
    .option('--from <[host=]dir>', "a host's artifacts directory, pack or .tar.gz (repeat for each host)", collect)
    .option(
      '--from-archive [prefix]',
      "also every <prefix><host>/<date>.tar.gz in the configured archive bucket (default prefix: the config's)",
    )
    .option('--hosts <file>', 'expected host names, one per line: a missing one is a finding')
    .option('--out <dir>', 'roll-ups directory (the previous day is looked for here)', 'rollups')
    .option(
      '--policy <file>',
      "compliance policy for the merged stream (default: the host packs' common recorded policy, else as for check)",
    )
    .option('--signing-key <file>', 'Ed25519 private key to sign the roll-up (env AUDITPACK_SIGNING_KEY)')
    .option('--pubkey <file>', 'host packs must be signed by one of these keys')
    .option(
      '--grace-hours <n>',
      'a pack made later than this after its day ended is late (default 6)',
      parseWholeNumber,
    )
    .option('--max-skew-ms <n>', 'clock skew shown beyond this is a finding (default 1, RTS 25)', parseWholeNumber)
    .option('--force', 'replace an existing roll-up of the day')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      helpText({
        examples: [
          [
            'rollup --date 2025-09-09 --hosts hosts.txt --from /srv/a/artifacts --from b=/srv/b/artifacts',
            'the firm-wide day from two hosts, expecting those in hosts.txt',
          ],
          ['rollup --date 2025-09-09 --from a=a/artifacts --signing-key key.pem --json', 'signed, the result as JSON'],
        ],
        exits: [
          [0, 'written; no finding is an error'],
          [1, 'written; an error finding (a host missing, failing verification or silent)'],
          [73, 'a roll-up of the day exists (give --force), or of a later day (ROLLUP_OUT_OF_ORDER)'],
          [74, 'another rollup held the roll-ups directory for over 30 minutes (LOCK_FAILED)'],
        ],
      }),
    )
    .action(async (opts: RollupCliOptions) => {
      const r = await runRollup(io, opts);
      const errors = r.findings.filter((f) => f.severity === 'error').length;
      const compliance = { totals: r.compliance.totals, by_rule: r.compliance.by_rule };
      if (opts.json === true)
        printJson(io, { ok: errors === 0, dir: r.dir, rollup: r.record, findings: r.findings, compliance });
      else {
        for (const f of r.findings)
          io.stdout.write(
            `${mark(io, f.severity === 'error' ? 'fail' : 'warn')} ${f.code} ${f.host ?? '-'}: ${f.detail}\n`,
          );
        const rules = Object.entries(compliance.by_rule).map(([k, n]) => `${k} ${n}`);
        io.stdout.write(`compliance over the merged stream: ${rules.length === 0 ? 'no finding' : rules.join(', ')}\n`);
        io.stdout.write(
          `${mark(io, errors === 0 ? 'ok' : 'fail')} roll-up of ${r.record.date}: ${r.record.hosts} host pack(s), ${r.rows.orders} orders, ${r.rows.fills} fills, ${errors} error finding(s); root ${r.record.tree_root.slice(0, 16)}…, chain ${r.record.chain_hash.slice(0, 16)}… in ${r.dir}\n`,
        );
      }
      if (errors > 0) throw new ExitWith(ExitCode.PROBLEMS);
    });
}

async function runRollup(io: CliIO, opts: RollupCliOptions) {
  const { readHostsFile, rollupDay } = await import('../../rollup/index.js');
  const where = await hostSources(io, opts);
  const { resolveConfig } = await import('../../config.js');
  const config = resolveConfig({ cwd: io.cwd, env: io.env, flags: { signingKey: opts.signingKey } });
  const { loadSigningKey } = await import('../../signing/index.js');
  const { loadPolicyTimeline } = await import('../../compliance/index.js');
  const date = opts.date ?? yesterdayUtc(Date.now());
  // --policy is the firm's choice; without it the hosts' common recorded policy is used, and this
  // machine's (as for check) only when the hosts recorded none in common.
  const policy = await loadPolicyTimeline({
    cwd: io.cwd,
    ...(opts.policy === undefined ? {} : { policyFile: opts.policy }),
    from: date,
    to: date,
  });
  return rollupDay({
    date,
    ...(opts.policy === undefined ? { fallbackPolicy: policy } : { policy }),
    ...where,
    ...(opts.hosts === undefined ? {} : { expected: readHostsFile(resolve(io.cwd, opts.hosts)) }),
    outDir: resolve(io.cwd, opts.out),
    version: packageVersion(),
    ...(config.signingKey === undefined ? {} : { signingKey: loadSigningKey(config.signingKey) }),
    ...(opts.pubkey === undefined ? {} : { publicKeys: await readPublicKeys(io.cwd, opts.pubkey) }),
    ...(opts.graceHours === undefined ? {} : { graceHours: opts.graceHours }),
    ...(opts.maxSkewMs === undefined ? {} : { maxSkewMs: opts.maxSkewMs }),
    force: opts.force === true,
  });
}
