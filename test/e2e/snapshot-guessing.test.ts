/**
 * A config file with a short secret (a 4-digit PIN, a 6-digit code) is stored redacted: the whole
 * file is known but for the secret, and `size` gives its length. Were the plain SHA-256 of the file
 * anywhere an attacker can read (a pack, the store's records, the log, any output), the secret would
 * fall to trial: 10,000 guesses. So it is nowhere: not as hex, not as the raw 32-byte digest, not as
 * base64; redacted and withheld files are recorded by a keyed hash whose key stays in the store.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigSnapshot } from '../../src/snapshot/index.js';
import { type CliRun, runCli, okRunner } from '../helpers/cli.js';
import { pythonCheck } from '../helpers/oracle.js';
import { tempDir } from '../helpers/tmp.js';
import { keyedHashOf, writeFiles } from '../snapshot/helpers.js';

const ENV = 'DB_HOST=db1\nDB_PASSWORD=4821\n';
const ROTATED = ENV.replace('4821', '4822');
const YAML = 'venue: LMAX\nbroker:\n  api_key: 730162\n';
/** A binary (UTF-16) file holding a secret: withheld, only hashed. */
const UTF16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('password = 9051\r\n', 'utf16le')]);

/** Every regular file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

/** The forms a file's plain SHA-256 could take in bytes an attacker reads. */
function digestForms(bytes: Buffer | string): Buffer[] {
  const d = createHash('sha256').update(bytes).digest();
  const hex = d.toString('hex');
  return [Buffer.from(hex), Buffer.from(hex.toUpperCase()), d, Buffer.from(d.toString('base64'))];
}

describe('no plain hash of a redacted config file, anywhere', () => {
  it('snapshot, show, list, diff, export, verify and the Python checker: the pack, the log, the store and every output', () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/.env': ENV, 'configs/app.yaml': YAML, 'configs/win.ini': UTF16 });
    const runs: CliRun[] = [];
    const run = okRunner(cwd, runs);
    const first = JSON.parse(run(['snapshot', '--reason', 'deploy', '--json']).stdout) as ConfigSnapshot;
    const store = join(cwd, 'audit/snapshots');
    // Keyed, and an auditor holding the key can check the live files against the record.
    expect(first.files['configs/.env']).toMatchObject({ redacted: true, hash: keyedHashOf(store, ENV) });
    expect(first.files['configs/app.yaml']).toMatchObject({ redacted: true, hash: keyedHashOf(store, YAML) });
    expect(first.files['configs/win.ini']).toMatchObject({ withheld: true, hash: keyedHashOf(store, UTF16) });
    expect(statSync(join(store, 'hmac.key')).mode & 0o777).toBe(0o600);
    // A change to the secret alone is still a change (test/snapshot/keyed-hash.test.ts has the rest).
    writeFiles(cwd, { 'configs/.env': ROTATED });
    const rotated = JSON.parse(run(['snapshot', '--reason', 'rotate', '--json']).stdout) as ConfigSnapshot;
    expect(rotated.changes.changed).toEqual(['configs/.env']);
    run(['snapshot', 'list']);
    run(['snapshot', 'show', first.snapshot_id]);
    run(['snapshot', 'show', first.snapshot_id, '--json']);
    run(['snapshot', 'diff', first.snapshot_id, rotated.snapshot_id]);
    runs.push(runCli(['snapshot', 'show', first.snapshot_id, '--file', 'configs/win.ini'], { cwd }));
    // The demo writes yesterday's log, exports it (the latest snapshot goes into the pack) and verifies.
    const demo = run(['demo']);
    const date = /pack artifacts\/(\d{4}-\d{2}-\d{2})/.exec(demo.stdout)?.[1] as string;
    const pack = join(cwd, 'artifacts', date);
    const snap = JSON.parse(readFileSync(join(pack, 'data/config_snapshot.json'), 'utf8')) as ConfigSnapshot;
    expect(snap.files['configs/.env']?.hash).toBe(keyedHashOf(store, ROTATED));
    const v = run(['verify', pack, '--json']);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true });
    expect(pythonCheck(pack).ok).toBe(true);

    const outputs = Buffer.from(runs.map((r) => r.stdout + r.stderr).join('\n'));
    const secretFiles = new Set(['configs/.env', 'configs/app.yaml', 'configs/win.ini', 'audit/snapshots/hmac.key']);
    const readable = filesUnder(cwd).filter((f) => !secretFiles.has(relative(cwd, f)));
    expect(readable.some((f) => f.startsWith(pack))).toBe(true);
    expect(readable.some((f) => f.includes(`${join(cwd, 'logs')}/`))).toBe(true);
    for (const [name, bytes] of [
      ['configs/.env', ENV],
      ['configs/.env', ROTATED],
      ['configs/app.yaml', YAML],
      ['configs/win.ini', UTF16],
    ] as const) {
      for (const form of digestForms(bytes)) {
        expect(outputs.includes(form), `${name}'s SHA-256 in the output`).toBe(false);
        for (const f of readable) expect(readFileSync(f).includes(form), `${name}'s SHA-256 in ${f}`).toBe(false);
      }
    }
  }, 240_000); // 10 runs of the CLI, the demo among them: minutes on a loaded machine
});
