/**
 * On a day without risk checks (every order may stay open all day: 107,000 open orders on a
 * 1,000,000-event day of bench/lib/synthetic-day.ts, up to max_open_orders), the order store holds
 * no page of the fields only a risk check sets: its line (seq, line number, digest) and the
 * reference price, 56 of the 159 bytes a slot its typed arrays took (docs/PERFORMANCE.md, pm36); with
 * the opening line's seq and line number in 4 bytes each and the open orders' name bytes here (pm37), 99.
 * Counted in a child process, whose ArrayBuffers nothing else allocates meanwhile.
 *
 * The store's whole cost a slot (heap and ArrayBuffers, the slot index with it, the ids made before the
 * count): the latest risk check and override by slot are paged as first set (none on such a day),
 * the opening line's seq and line number are 4 bytes each where whole and below 2^32 - 1 (pm37):
 * about 155 bytes a slot before, about 129 now. Counted after full collections (--expose-gc).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const dist = (p: string): string => JSON.stringify(new URL(`../../dist/compliance/${p}`, import.meta.url).href);

describe('OrderStore on a day without risk checks', () => {
  it('holds about 99 bytes of typed arrays a slot, not 159, and a risk line set later reads back', () => {
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
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as {
      perSlot: number;
      risk: unknown;
      opened: unknown;
      ref: boolean;
      other: number | null;
    };
    expect(out.perSlot).toBeLessThan(110);
    expect(out.perSlot).toBeGreaterThan(90);
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

  it('holds under 138 bytes of heap and ArrayBuffers a slot with its index, not 155', () => {
    const script = `
      const { OrderStore } = await import(${dist('order-store.js')});
      const { LineEvidence } = await import(${dist('line-evidence.js')});
      const { PAGE } = await import(${dist('paged.js')});
      const digests = Buffer.alloc(64, 7);
      const ev = new LineEvidence('audit.jsonl', 1, 1, digests, 0);
      const idsOf = (n) => Array.from({ length: n }, (_, k) => 'O-' + k);
      const fill = (ids) => {
        const st = new OrderStore();
        for (let k = 0; k < ids.length; k++) {
          const i = st.take(ids[k]);
          st.byId.set(ids[k], i);
          st.setOrder(i, k, 'EURUSD', ev.point('audit.jsonl', k + 1, k + 1, digests, 0), 'DAY', 5, 1.1, null, null, 'open');
        }
        return st;
      };
      const warm = fill(idsOf(2 * PAGE)); // the code and its feedback, made before the count
      const n = 20 * PAGE;
      const ids = idsOf(n);
      gc();
      gc();
      const m0 = process.memoryUsage();
      const st = fill(ids);
      gc();
      gc();
      const m1 = process.memoryUsage();
      const perSlot = (m1.heapUsed - m0.heapUsed + m1.arrayBuffers - m0.arrayBuffers) / n;
      console.log(JSON.stringify({ perSlot, seq: st.opened(n - 1).seq, warm: warm.ids.length }));
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { perSlot: number; seq: number };
    expect(out.perSlot).toBeLessThan(138);
    expect(out.seq).toBe(20 * 4096);
  });
});
