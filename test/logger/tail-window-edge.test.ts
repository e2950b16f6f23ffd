/**
 * A torn write one byte shorter than one of readTail's read windows (64 KiB, 256 KiB, ...): the
 * window then starts at the last complete line's "\n". `lastIndexOf(10, -1)` searches from the
 * buffer's END (a negative offset counts from the end), so the writer found that same "\n", took an
 * empty "last line" (seq 0, prev = SHA-256 of nothing) and chained its TornLineRecovered from it:
 * every checker then reported an honest crash as tampering (at55 F1, LOG_LINE_OUT_OF_PLACE).
 */
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashLine } from '../../src/chain/index.js';
import { createAuditLogger, settleLog } from '../../src/logger/index.js';
import { verifyLogDir } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';

describe('a torn tail one byte shorter than a read window', () => {
  for (const len of [65_535, 262_143, 1_048_575]) {
    it(`${len} bytes: recovered after the real last line, and the log verifies`, async () => {
      const logDir = tempDir();
      const log = createAuditLogger({ logDir, handleExit: false, heartbeatMinutes: 0 });
      for (let i = 0; i < 3; i++) log.log('test', 'Before', { n: i });
      await log.close();
      const [name] = readdirSync(logDir).filter((f) => f.endsWith('.jsonl'));
      const path = join(logDir, name as string);
      const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
      const last = lines[lines.length - 1] as string;
      // A write cut short: the first `len` bytes of the line the writer would have written next.
      const head = `${last.slice(0, last.indexOf('"seq":'))}"seq":${(JSON.parse(last) as { seq: number }).seq + 1},"note":"`;
      const fragment = `${head}${'x'.repeat(len - head.length)}`;
      expect(Buffer.byteLength(fragment)).toBe(len);
      appendFileSync(path, fragment);

      await settleLog({ logDir });
      const after = readFileSync(path, 'utf8').split('\n').filter(Boolean);
      const rec = JSON.parse(after[after.length - 1] as string) as Record<string, unknown>;
      expect(rec.event).toBe('TornLineRecovered');
      expect(rec.fragment_bytes).toBe(len);
      expect(rec.prev).toBe(hashLine(Buffer.from(last)));
      expect(rec.seq).toBe((JSON.parse(last) as { seq: number }).seq + 1);
      const v = await verifyLogDir(logDir);
      expect(v.problems.filter((x) => x.severity === 'error')).toEqual([]);
      expect(v.ok).toBe(true);
    });
  }
});
