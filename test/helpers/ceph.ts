/**
 * A real S3 store with Object Lock for the archive tests: Ceph radosgw started by
 * scripts/ceph-s3.sh (a single-node cluster in a temp dir, 127.0.0.1, free ports). WORM behaviour
 * is never tested against a mock: mocks accept lock headers and enforce nothing.
 *
 * If the server cannot start, this throws and the tests fail; they are never skipped.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../scripts/ceph-s3.sh', import.meta.url));

export interface CephS3 {
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /** Seconds the start took (the successful attempt). */
  readonly startSeconds: number;
  stop(): void;
}

/**
 * Starts the cluster. The script already retries the known start-up races; a whole second attempt
 * (fresh directory, fresh ports) covers a port taken between choosing and binding it.
 */
export function startCephS3(): CephS3 {
  const errors: string[] = [];
  for (let attempt = 1; attempt <= 2; attempt++) {
    const base = mkdtempSync(join(tmpdir(), 'auditpack-ceph-'));
    const dir = join(base, 'cluster');
    const t0 = Date.now();
    const r = spawnSync('bash', [SCRIPT, 'start', dir], {
      encoding: 'utf8',
      timeout: 150_000,
      env: { ...process.env, OWNER_PID: String(process.pid) },
    });
    const stop = (): void => {
      spawnSync('bash', [SCRIPT, 'stop', dir], { encoding: 'utf8', timeout: 60_000 });
      rmSync(base, { recursive: true, force: true });
    };
    const vars = Object.fromEntries(
      r.stdout
        .split('\n')
        .map((l) => /^([A-Z0-9_]+)=(.*)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1], m[2]]),
    );
    if (r.status === 0 && vars.S3_ENDPOINT && vars.S3_ACCESS_KEY && vars.S3_SECRET_KEY) {
      return {
        endpoint: vars.S3_ENDPOINT,
        accessKey: vars.S3_ACCESS_KEY,
        secretKey: vars.S3_SECRET_KEY,
        startSeconds: (Date.now() - t0) / 1000,
        stop,
      };
    }
    errors.push(`attempt ${attempt}: exit ${String(r.status)} ${r.error?.message ?? ''}\n${r.stderr}`);
    stop();
  }
  throw new Error(`Ceph radosgw did not start (scripts/ceph-s3.sh):\n${errors.join('\n')}`);
}
