/**
 * Packs made by the real exporter (src/pack) from logs made by the real logger verify with no
 * error, across days, with a --force re-export and .tar.gz copies.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditLogger } from '../../src/logger/index.js';
import { exportPack } from '../../src/pack/export.js';
import { verifyArchive, verifyLogDir, verifyPack } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';

describe('verify against auditpack export', () => {
  it('a signed archive of three days, one re-exported with --force, all with .tar.gz', async () => {
    const dir = tempDir();
    const logDir = join(dir, 'logs');
    const artifacts = join(dir, 'artifacts');
    let now = Date.UTC(2025, 8, 9, 8) * 1000;
    const log = createAuditLogger({
      logDir,
      handleExit: false,
      clock: () => (now += 997_003),
      host: 'desk-1',
      pid: 42,
    });
    for (let i = 0; i < 240; i++) {
      if (i % 80 === 0 && i > 0) now += 24 * 3600e6 - 80 * 997_003;
      log.order('OrderAccepted', {
        orderId: `O${i}`,
        symbol: 'EURUSD',
        side: 'BUY',
        quantity: 1000,
        price: '1.10050',
        apiKey: 'sk-live-1',
      });
      log.fill({ orderId: `O${i}`, dealId: `D${i}`, symbol: 'EURUSD', side: 'BUY', quantity: 1000, price: '1.10051' });
      if (i % 10 === 0) log.alert({ alertType: 'risk', message: 'drawdown, "3%"\nsecond line', severity: 'HIGH' });
      if (i % 17 === 0) log.auth('LoginFailed', { user: 'bob', sourceIp: '10.0.0.9' });
    }
    await log.close();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const days = ['2025-09-09', '2025-09-10', '2025-09-11'];
    const common = {
      logDir,
      artifactsDir: artifacts,
      version: '0.1.0',
      signingKey: privateKey,
      snapshot: false as const,
      recordEvent: false,
    };
    for (const date of days) await exportPack({ ...common, date, compress: true });
    await exportPack({ ...common, date: days[1]!, force: true, compress: true });

    expect((await verifyLogDir(logDir)).problems).toEqual([]);
    for (const d of days) {
      const p = await verifyPack(join(artifacts, d), { publicKeys: [publicKey] });
      expect(p.problems, d).toEqual([]);
      const t = await verifyPack(join(artifacts, `${d}.tar.gz`), { publicKeys: [publicKey] });
      expect(t.problems, `${d}.tar.gz`).toEqual([]);
    }
    // With the live logs the newest pack's last line is held to the log too; these exports did not
    // record their events, which the check says of each pack (the log vouches for none of them), and
    // of the version --force kept aside (its log is the day's: a warning, not a plant).
    const a = await verifyArchive(artifacts, { publicKeys: [publicKey], logDir });
    expect(a.problems.map((p) => [p.code, p.severity, p.file])).toEqual([
      ...days.flatMap((d) => [
        ['ARCHIVE_EXPORT_UNRECORDED', 'warning', `${d}/manifest.json`],
        ...(d === days[1]
          ? [
              ['ARCHIVE_VERSION_UNRECORDED', 'warning', `${d}.v1/manifest.json`],
              ['ARCHIVE_VERSION_UNRECORDED', 'warning', `${d}.v1.tar.gz`],
            ]
          : []),
      ]),
    ]);
    expect(a.checked).toMatchObject({ packs: 3, superseded: 1, tar_packs: 4 });

    // A CSV row removed from an exported pack, hashes fixed up by a forger without the key.
    const pack = join(artifacts, days[2]!);
    chmodSync(pack, 0o755);
    chmodSync(join(pack, 'data'), 0o755);
    chmodSync(join(pack, 'data', 'fills.csv'), 0o644);
    writeFileSync(
      join(pack, 'data', 'fills.csv'),
      'iso_ts,seq,event,order_id,deal_id,symbol,side,quantity,price,extra\r\n',
    );
    const r = await verifyPack(pack, { publicKeys: [publicKey] });
    expect(r.problems.map((p) => p.code)).toEqual(
      expect.arrayContaining(['PACK_FILE_HASH_MISMATCH', 'PACK_ROW_COUNT_MISMATCH']),
    );
  });
});
