/**
 * On a day without risk checks (every order may stay open all day: 107,000 open orders on a
 * 1,000,000-event day of bench/lib/synthetic-day.ts, up to max_open_orders), the order store holds
 * no page of the fields only a risk check sets: its line (seq, line number, digest) and the
 * reference price, 56 of the 159 bytes a slot its typed arrays took (docs/PERFORMANCE.md, pm36).
 * Counted in a child process, whose ArrayBuffers nothing else allocates meanwhile.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const dist = (p: string): string => JSON.stringify(new URL(`../../dist/compliance/${p}`, import.meta.url).href);

describe('OrderStore on a day without risk checks', () => {
  it('holds about 103 bytes of typed arrays a slot, not 159, and a risk line set later reads back', () => {
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
    expect(out.perSlot).toBeGreaterThan(100);
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
});
