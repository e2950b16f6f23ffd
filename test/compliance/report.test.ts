import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompliance, findingsCsv, renderReportHtml } from '../../src/compliance/index.js';
import { showInvisible } from '../../src/compliance/visible.js';
import { pythonCsvRows } from '../pack/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { DATE, TEST_POLICY, writeEvents, writePolicy } from './helpers.js';

describe('report, CSV and page with hostile log content', () => {
  it('escapes HTML, neutralises formulas, and its count maps have no prototype', async () => {
    const cwd = tempDir();
    const policyFile = writePolicy(cwd, TEST_POLICY);
    const evil = '<script>alert(1)</script>"&\'';
    await writeEvents(join(cwd, 'logs'), [
      ['10:00:00', 'fill', 'Filled', { order_id: '=HYPERLINK("http://x")', symbol: evil, quantity: 1, price: '1' }],
      ['10:00:01', 'order', 'Cancelled', { order_id: '@SUM(A1)', symbol: '+1,"2"\r\n3' }],
      ['10:00:02', '__proto__', 'Odd', {}],
    ]);
    const r = await checkCompliance({ cwd, logDir: join(cwd, 'logs'), from: DATE, to: DATE, policyFile });
    expect(r.findings.map((f) => f.rule)).toEqual(['fill_without_order', 'cancel_unknown_order']);
    expect(Object.getPrototypeOf(r.summary.by_category)).toBe(null);
    // (The logger itself writes "__proto__" as "proto__"; the report's maps have no prototype anyway.)
    expect(JSON.parse(JSON.stringify(r.summary.by_category))).toEqual({ fill: 1, order: 1, proto__: 1 });

    const html = renderReportHtml(r, {
      export_date: DATE,
      chain_end_hash: 'a'.repeat(64),
      first_seq: 1,
      last_seq: 3,
      signer: null,
      auditpack_version: '0',
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&#39;');

    const csvPath = join(cwd, 'findings.csv');
    writeFileSync(csvPath, findingsCsv(r));
    const rows = pythonCsvRows(csvPath);
    expect(rows).toHaveLength(3);
    const byRule = Object.fromEntries(rows.slice(1).map((row) => [row[1], row]));
    expect(byRule.fill_without_order?.[4]).toBe(`'=HYPERLINK("http://x")`);
    expect(byRule.fill_without_order?.[5]).toBe(evil);
    expect(byRule.cancel_unknown_order?.[4]).toBe("'@SUM(A1)");
    expect(byRule.cancel_unknown_order?.[5]).toBe(`'+1,"2"\r\n3`);
    expect(readFileSync(csvPath, 'utf8').endsWith('\r\n')).toBe(true);
  });

  it('shows bidi overrides, zero-width and control characters as codes on the page and in the CSV, not raw', async () => {
    const cwd = tempDir();
    const policyFile = writePolicy(cwd, TEST_POLICY);
    await writeEvents(join(cwd, 'logs'), [
      ['10:00:00', 'fill', 'Filled', { order_id: 'ORD-7\u202e000,001 ytq', symbol: 'EUR\u200bUSD', quantity: 1 }],
      ['10:00:01', 'order', 'Cancelled', { order_id: 'ORD-1\u2066\ufeff\u0007' }],
    ]);
    const r = await checkCompliance({ cwd, logDir: join(cwd, 'logs'), from: DATE, to: DATE, policyFile });
    expect(r.findings[0]?.order_ids).toEqual(['ORD-7\u202e000,001 ytq']); // the JSON keeps the exact value
    const html = renderReportHtml(r, {
      export_date: DATE,
      chain_end_hash: null,
      first_seq: 1,
      last_seq: 2,
      signer: null,
      auditpack_version: '0',
    });
    const csv = findingsCsv(r);
    const invisible = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;
    for (const text of [html, csv]) {
      expect(text).not.toMatch(invisible);
      expect(text).toContain('ORD-7\\u{202E}000,001 ytq');
      expect(text).toContain('EUR\\u{200B}USD');
      expect(text).toContain('ORD-1\\u{2066}\\u{FEFF}\\u{0007}');
    }
  });
});

describe('showInvisible', () => {
  it('shows a lone surrogate as its code and leaves a whole pair (an emoji) as it is', () => {
    expect(showInvisible('ORD-\ud83d')).toBe('ORD-\\u{D83D}');
    expect(showInvisible('\udc00x\ud800')).toBe('\\u{DC00}x\\u{D800}');
    expect(showInvisible('ORD-\ud83d\ude00-\u202e')).toBe('ORD-\ud83d\ude00-\\u{202E}');
    expect(Buffer.from(showInvisible('a\ud83d'), 'utf8').toString('utf8')).toBe('a\\u{D83D}'); // survives UTF-8
  });

  it('shows every character the name fold removes as invisible: each Default_Ignorable_Code_Point and U+2800', () => {
    expect(showInvisible('USD\u034fRUB')).toBe('USD\\u{034F}RUB');
    expect(showInvisible('EUR\ufe0fUSD\u{e0100}')).toBe('EUR\\u{FE0F}USD\\u{E0100}');
    expect(showInvisible('\u3164\uffa0\u115f\u17b4\u00ad\u2800')).toBe(
      '\\u{3164}\\u{FFA0}\\u{115F}\\u{17B4}\\u{00AD}\\u{2800}',
    );
    let missed = 0;
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      if ((/\p{Default_Ignorable_Code_Point}/u.test(c) || cp === 0x2800) && showInvisible(c) === c) missed++;
    }
    expect(missed).toBe(0);
  });

  it("names each policy in force by 16 hex digits of its hash, after a keyed hash's hmac-sha256: prefix", async () => {
    const cwd = tempDir();
    const policyFile = writePolicy(cwd, TEST_POLICY);
    await writeEvents(join(cwd, 'logs'), [['10:00:00', 'order', 'Cancelled', { order_id: 'X' }]]);
    const r = await checkCompliance({ cwd, logDir: join(cwd, 'logs'), from: DATE, to: DATE, policyFile });
    const facts = {
      export_date: DATE,
      chain_end_hash: null,
      first_seq: 1,
      last_seq: 1,
      signer: null,
      auditpack_version: '0',
    };
    const plain = r.policies[0]?.sha256 as string;
    expect(plain).toMatch(/^[0-9a-f]{64}$/);
    expect(renderReportHtml(r, facts)).toContain(`<code>${plain.slice(0, 16)}…</code>`);
    const keyed = `hmac-sha256:${'ab'.repeat(32)}`;
    const withKeyed = { ...r, policies: r.policies.map((p) => ({ ...p, sha256: keyed })) };
    expect(renderReportHtml(withKeyed, facts)).toContain(`<code>hmac-sha256:${'ab'.repeat(8)}…</code>`);
  });
});
