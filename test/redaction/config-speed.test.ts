/**
 * Config snapshot redaction stays linear on hostile config text (at46 F5-F8): a snapshot redacts
 * files up to 5 MB, so a quadratic pass lets one config file stall `auditpack snapshot`. Each case
 * took many seconds before its fix; a linear pass takes tens of milliseconds.
 */
import { describe, expect, it } from 'vitest';
import { configFormatOf, redactConfigText } from '../../src/redaction/config-text.js';
import { compileRedactor } from '../../src/redaction/index.js';
import { cpuMs } from '../helpers/cpu-time.js';

const r = compileRedactor();
const cost = (text: string, path: string): number => cpuMs(() => redactConfigText(text, configFormatOf(path), r));

describe('config redaction CPU stays linear (at46 F5-F8)', () => {
  it('F5: many BEGIN lines with no END, in every format', () => {
    const text = '-----BEGIN CERTIFICATE-----\n'.repeat(5000);
    for (const path of ['app.conf', 'app.yaml', 'app.toml', 'app.json', 'settings.py', 'app.xml']) {
      expect(cost(text, path)).toBeLessThan(2000);
    }
  });
  it('F5: a BEGIN with no END still censors the key under it, and a later block too', () => {
    const body = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7'.repeat(3);
    const text = `-----BEGIN PRIVATE KEY-----\n${body}\n-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
    const out = redactConfigText(text, configFormatOf('app.conf'), r).text;
    expect(out).not.toContain(body.slice(0, 40));
  });
  it('F6: a Python line with a name, a `:` and a long run of blanks', () => {
    expect(cost(`timeout:${' '.repeat(100_000)}x\n`, 'settings.py')).toBeLessThan(2000);
    expect(cost(`a =${'\t'.repeat(100_000)}x\n`, 'settings.py')).toBeLessThan(2000);
  });
  it('F7: a Python line of many annotated sensitive names and one `=` at its end', () => {
    expect(cost(`${'password:x'.repeat(20_000)}=1\n`, 'settings.py')).toBeLessThan(2000);
    expect(cost(`${'password:x('.repeat(20_000)}=1\n`, 'settings.py')).toBeLessThan(2000);
    expect(cost(`${'password:x, '.repeat(20_000)}=1\n`, 'settings.py')).toBeLessThan(2000);
  });
  it('F7: the default after many annotations is censored once, as before', () => {
    const out = redactConfigText('password:x password: str = "hunter2"\n', configFormatOf('settings.py'), r).text;
    expect(out).not.toContain('hunter2');
  });
  it('F8: an XML start tag left open, then many lines', () => {
    expect(cost(`<settings\n${'x <b\n'.repeat(20_000)}`, 'app.xml')).toBeLessThan(2000);
    expect(cost(`<settings\n${'a <<EOF\n'.repeat(20_000)}`, 'app.config')).toBeLessThan(2000);
    expect(cost(`<settings name="\n${'x <b\n'.repeat(20_000)}`, 'app.xml')).toBeLessThan(2000);
  });
  it('F8: a start tag over lines still loses the value its name attribute names', () => {
    const xml = (t: string): string => redactConfigText(t, configFormatOf('app.config'), r).text;
    expect(xml('<add\n  key="ApiKey"\n\n  value="s3cretvalue"\n/>\n')).not.toContain('s3cretvalue');
    expect(xml('<add\n  key=\n  "ApiKey"\n  value="s3cretvalue"\n/>\n')).not.toContain('s3cretvalue');
    expect(xml('<add\n  key="Api\n  Key" value="x"\n  value="s3cretvalue"/>\n')).toContain('add');
    expect(xml(`<add\n  key="ApiKey"\n${'  x="y"\n'.repeat(3000)}  value="s3cretvalue"\n/>\n`)).not.toContain(
      's3cretvalue',
    );
  });
});
