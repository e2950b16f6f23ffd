/**
 * On a day without risk checks (every order may stay open all day: 107,000 open orders on a
 * 1,000,000-event day of bench/lib/synthetic-day.ts, up to max_open_orders), the order store holds
 * no page of the fields only a risk check sets: its line (seq, line number, digest) and the
 * reference price, 56 of the 159 bytes a slot its typed arrays took (docs/PERFORMANCE.md, pm36); with
 * the opening line's seq and line number in 4 bytes each and the open orders' name bytes here (pm37), 99;
 * with the order ids as bytes (a 4-byte handle and a 12-byte block for `O-12345`, pm38), 115; with
 * the filled quantity paged as first set (0 for an order never filled) and the latest risk check's
 * file codes likewise, ~103; with the opening line's digest, seq and line number as one 64-byte
 * record (line-evidence.ts putLine) and the ids' blocks in pieces of which 256 KiB a kind stay in
 * memory and the rest go to the checks' temporary file (spill.ts), ~62 at these 40,960 slots.
 * Counted in a child process, whose ArrayBuffers nothing else allocates meanwhile.
 *
 * The store's whole cost a slot (heap and ArrayBuffers, the slot index with it, the ids made during
 * the count, as an event's id is made by the scan and kept only if the store keeps it): the latest
 * risk check and override by slot are paged as first set (none on such a day), the opening line's seq
 * and line number are 4 bytes each where whole and below 2^32 - 1 (pm37), and the ids are kept as
 * bytes, not as strings (pm38): a string of 24 bytes and its array entry of 8 (~153 bytes a slot on
 * main) against a handle and a block of 16 off the heap (~137).
 * Counted after full collections (--expose-gc).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { diskTempDir } from '../helpers/tmp.js';

const dist = (p: string): string => JSON.stringify(new URL(`../../dist/compliance/${p}`, import.meta.url).href);

describe('OrderStore on a day without risk checks', () => {
  it('holds about 62 bytes of typed arrays a slot, the ids with them, and a risk line set later reads back', () => {
    const script = `
      const { OrderStore } = await import(${dist('order-store.js')});
      const { LineEvidence } = await import(${dist('line-evidence.js')});
      const { PAGE } = await import(${dist('paged.js')});
      const st = new OrderStore();
      const digests = Buffer.alloc(64, 7);
      digests.fill(9, 32);
      const ev = new LineEvidence('audit.jsonl', 1, 1, digests, 0);
      const n = 10 * PAGE;
      const before = process.memoryUsage().arrayBuffers;
      for (let k = 0; k < n; k++) {
        const i = st.take('O-' + k);
        st.setOrder(i, k, 'EURUSD', ev.point('audit.jsonl', k + 1, k + 1, digests, 0), 'DAY', 5, 1.1, null, null, 'open');
        st.setRef(i, null);
      }
      const perSlot = (process.memoryUsage().arrayBuffers - before) / n;
      st.setRiskLine(n - 3, ev.point('audit.jsonl', 77, 78, digests, 32));
      st.setRef(n - 3, -0);
      console.log(JSON.stringify({ perSlot, risk: st.riskLine(n - 3), opened: st.opened(n - 3), ref: Object.is(st.ref(n - 3), -0), other: st.ref(5) }));
    `;
    // TMPDIR on a disk: what passes 256 KiB a kind goes to the checks' file (spill.ts), as it does on CI.
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, TMPDIR: diskTempDir() },
    });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as {
      perSlot: number;
      risk: unknown;
      opened: unknown;
      ref: boolean;
      other: number | null;
    };
    expect(out.perSlot).toBeLessThan(70);
    expect(out.perSlot).toBeGreaterThan(50);
    expect(out.risk).toEqual({ file: 'audit.jsonl', seq: 77, line: 78, line_sha256: '09'.repeat(32) });
    expect(out.opened).toEqual({
      file: 'audit.jsonl',
      seq: 10 * 4096 - 2,
      line: 10 * 4096 - 2,
      line_sha256: '07'.repeat(32),
    });
    expect(out.ref).toBe(true);
    expect(out.other).toBeNull();
  });

  it('holds under 145 bytes of heap and ArrayBuffers a slot with its index and its id, not 153', () => {
    const script = `
      const { OrderStore } = await import(${dist('order-store.js')});
      const { LineEvidence } = await import(${dist('line-evidence.js')});
      const { PAGE } = await import(${dist('paged.js')});
      const digests = Buffer.alloc(64, 7);
      const ev = new LineEvidence('audit.jsonl', 1, 1, digests, 0);
      // Each id made as the order comes (the scan makes an event's id; only the store may keep it).
      const fill = (n) => {
        const st = new OrderStore();
        for (let k = 0; k < n; k++) {
          const id = 'O-' + k;
          const i = st.take(id);
          st.byId.set(id, i);
          st.setOrder(i, k, 'EURUSD', ev.point('audit.jsonl', k + 1, k + 1, digests, 0), 'DAY', 5, 1.1, null, null, 'open');
        }
        return st;
      };
      const warm = fill(2 * PAGE); // the code and its feedback, made before the count
      const n = 20 * PAGE;
      gc();
      gc();
      const m0 = process.memoryUsage();
      const st = fill(n);
      gc();
      gc();
      const m1 = process.memoryUsage();
      const perSlot = (m1.heapUsed - m0.heapUsed + m1.arrayBuffers - m0.arrayBuffers) / n;
      const idOf = (i) => (Array.isArray(st.ids) ? st.ids[i] : st.ids.get(i)); // main's store kept strings
      const back = [0, 4095, n - 1].map((i) => st.byId.get('O-' + i) === i && idOf(i) === 'O-' + i);
      console.log(JSON.stringify({ perSlot, seq: st.opened(n - 1).seq, back, warm: warm.byId.size }));
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { perSlot: number; seq: number; back: boolean[] };
    expect(out.perSlot).toBeLessThan(145);
    expect(out.seq).toBe(20 * 4096);
    expect(out.back).toEqual([true, true, true]);
  });
});
