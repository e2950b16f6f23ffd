import { execFileSync } from 'node:child_process';
import { rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotRecording } from '../../src/compliance/snapshot-recorded.js';
import { ConfigEventIndex } from '../../src/snapshot/config-events.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { readSnapshotKey } from '../../src/snapshot/keyed-hash.js';
import { listSnapshotIds, objectPath, readObject, readRecord, recordPath } from '../../src/snapshot/store.js';
import { tempDir } from '../helpers/tmp.js';
import { writeFiles } from './helpers.js';

// attack10 #11: a FIFO put in the store (by whoever can write it) made `export`, `check`,
// `snapshot` and `snapshot show --file` wait for ever: no pack, no error for the cron. Every reader
// of the store refuses what is not a regular file (and a link) at once. Each test fails by its
// timeout, not by hanging the run, when a reader waits on the FIFO.
function fifoInPlaceOf(path: string): void {
  rmSync(path, { force: true });
  execFileSync('mkfifo', [path]);
}

async function store() {
  const cwd = tempDir();
  writeFiles(cwd, { 'configs/app.yaml': 'token: abcdef0123456789\nvenue: LMAX\n' });
  const snap = await createConfigSnapshot({ cwd, reason: 'r' });
  const snapshotDir = join(cwd, 'audit/snapshots');
  const [id] = await listSnapshotIds(snapshotDir);
  return { cwd, snapshotDir, id: id as string, object: snap.files['configs/app.yaml']?.object as string };
}

describe('a FIFO or a link in the snapshot store', () => {
  it('a FIFO record: readRecord fails, the log check says its record cannot be read', { timeout: 20_000 }, async () => {
    const s = await store();
    fifoInPlaceOf(recordPath(s.snapshotDir, s.id));
    await expect(readRecord(s.snapshotDir, s.id)).rejects.toMatchObject({ code: 'READ_FAILED' });
    await expect(
      snapshotRecording(s.snapshotDir, new ConfigEventIndex({ logDir: join(s.cwd, 'logs') }), s.id),
    ).resolves.toMatchObject({
      recorded: false,
    });
  });

  it('a FIFO hmac.key: readSnapshotKey fails', { timeout: 20_000 }, async () => {
    const s = await store();
    fifoInPlaceOf(join(s.snapshotDir, 'hmac.key'));
    await expect(readSnapshotKey(s.snapshotDir)).rejects.toMatchObject({ code: 'READ_FAILED' });
  });

  it('a FIFO or a symbolic link as a stored object: readObject fails', { timeout: 20_000 }, async () => {
    const s = await store();
    expect(s.object).toBeTruthy();
    const path = objectPath(s.snapshotDir, s.object);
    execFileSync('chmod', ['u+w', join(path, '..')]);
    fifoInPlaceOf(path);
    await expect(readObject(s.snapshotDir, s.object)).rejects.toMatchObject({ code: 'READ_FAILED' });
    rmSync(path);
    symlinkSync(join(s.cwd, 'configs/app.yaml'), path);
    await expect(readObject(s.snapshotDir, s.object)).rejects.toMatchObject({ code: 'READ_FAILED' });
  });
});
