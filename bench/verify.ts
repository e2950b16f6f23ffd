/**
 * Verify benchmark: `auditpack verify` on the 1,000,000-event pack against
 * `sha256sum -c manifest-sha256.txt` on the same pack, in one run.
 *
 *   npx tsx bench/verify.ts                 # 1,000,000 events, 3 timed rounds each
 *   npx tsx bench/verify.ts --events 200000 --rounds 1 --keep
 *
 * The pack is made by the real exporter (src/pack, signed) from a synthetic day written in the log
 * format (bench/lib/synthetic-day.ts). Both contenders run as child processes, one after the other
 * (2 cores: side by side would measure contention), on a warm page cache (one untimed round each
 * first), timed by wall clock; peak RSS from /usr/bin/time. auditpack runs the built CLI
 * (`node bin/auditpack.js verify <pack> --pubkey … --json`), so its figure includes Node's start-up,
 * the signature, every BagIt/manifest check, the chain check of every line and the cross-checks of
 * CSV rows and alerts against the log — sha256sum -c only hashes the payload files.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportPack } from '../src/pack/export.js';
import { formatOpenSshPublicKey } from '../src/signing/index.js';
import { writeSyntheticDay } from './lib/synthetic-day.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : Number(process.argv[i + 1]);
}

interface Timing {
  seconds: number;
  maxRssMb: number;
  code: number | null;
}

/** Runs a command under /usr/bin/time, returning wall seconds and peak RSS. */
function timed(cmd: string, args: string[], cwd: string): Timing {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const lines = r.stderr.trim().split('\n');
  const kb = Number(lines[lines.length - 1]);
  if (r.status !== 0)
    process.stderr.write(`${cmd} exited ${r.status}: ${r.stderr.slice(0, 2000)}\n${r.stdout.slice(0, 2000)}\n`);
  return { seconds, maxRssMb: kb / 1024, code: r.status };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function main(): Promise<void> {
  const events = arg('events', 1_000_000);
  const rounds = arg('rounds', 3);
  const keep = process.argv.includes('--keep');
  if (!existsSync(join(ROOT, 'dist/cli/main.js')))
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'auditpack-bench-verify-'));
  try {
    const date = '2025-09-08';
    const logDir = join(dir, 'logs');
    mkdirSync(logDir);
    process.stderr.write(`writing ${events} events… `);
    writeSyntheticDay(join(logDir, 'audit-20250908.jsonl'), date, events);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pub = join(dir, 'key.pub');
    writeFileSync(pub, `${formatOpenSshPublicKey(publicKey)}\n`);
    process.stderr.write('exporting… ');
    const t0 = process.hrtime.bigint();
    const res = await exportPack({
      date,
      logDir,
      artifactsDir: join(dir, 'artifacts'),
      version: 'bench',
      signingKey: privateKey,
      snapshot: false,
      recordEvent: false,
    });
    process.stderr.write(`done in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(2)} s\n`);
    const pack = res.path;
    const payloadBytes = Object.values(res.manifest.files).reduce((s, f) => s + f.size, 0);
    const logBytes = statSync(join(pack, 'data/audit.jsonl')).size;

    const runSha = (): Timing => timed('sha256sum', ['-c', '--quiet', 'manifest-sha256.txt'], pack);
    const runAp = (): Timing =>
      timed(process.execPath, [join(ROOT, 'bin/auditpack.js'), 'verify', pack, '--pubkey', pub, '--json'], ROOT);
    // Warm the page cache and the JIT's code cache; check both accept the pack.
    const w1 = runSha();
    const w2 = runAp();
    if (w1.code !== 0 || w2.code !== 0) throw new Error('a contender rejected the untouched pack');
    const sha: Timing[] = [];
    const ap: Timing[] = [];
    for (let i = 0; i < rounds; i++) {
      sha.push(runSha());
      ap.push(runAp());
    }
    const shaS = median(sha.map((t) => t.seconds));
    const apS = median(ap.map((t) => t.seconds));
    const mb = payloadBytes / 1e6;
    const out = {
      events,
      payload_mb: Number(mb.toFixed(1)),
      log_mb: Number((logBytes / 1e6).toFixed(1)),
      sha256sum_c_s: Number(shaS.toFixed(3)),
      auditpack_verify_s: Number(apS.toFixed(3)),
      ratio_sha256sum_over_auditpack: Number((shaS / apS).toFixed(2)),
      auditpack_mb_per_s: Number((mb / apS).toFixed(0)),
      sha256sum_mb_per_s: Number((mb / shaS).toFixed(0)),
      auditpack_peak_rss_mb: Number(Math.max(...ap.map((t) => t.maxRssMb)).toFixed(0)),
      sha256sum_peak_rss_mb: Number(Math.max(...sha.map((t) => t.maxRssMb)).toFixed(1)),
      rounds,
      node: process.version,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    process.stdout.write(
      `\nverify ${events} events (${mb.toFixed(0)} MB payload): auditpack ${apS.toFixed(2)} s vs sha256sum -c ${shaS.toFixed(2)} s ` +
        `→ auditpack is ${(shaS / apS).toFixed(2)}× the speed of sha256sum -c (goal ≥ 1), peak RSS ${out.auditpack_peak_rss_mb} MB\n`,
    );
  } finally {
    if (keep) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
