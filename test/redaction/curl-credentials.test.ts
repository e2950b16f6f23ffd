/**
 * curl's credentials in logged command lines (red19, rules 14). Already redacted by rules 13 (kept
 * here as proof): `-u`/`--user`/`--user=` (the curl-user shape), `--proxy`/`-x` with a URL (the URL
 * rule) or scheme-less (the proxy rule). New: `-U`/`--proxy-user`/`--proxy-user=` (the proxy's user
 * and password, as `-u`), and the SOCKS options `--socks4`, `--socks4a`, `--socks5`,
 * `--socks5-hostname` and `--preproxy` with `user:password@host`. The user stays, the password goes.
 */
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';
import { compileRedactor } from '../../src/redaction/index.js';

const r = compileRedactor();

describe('curl credentials', () => {
  it.each([
    // Rules 13 already.
    ['curl -u alice:pa55word https://api', 'curl -u alice:[REDACTED] https://api'],
    ['curl --user alice:pa55word https://api', 'curl --user alice:[REDACTED] https://api'],
    ['curl --user=alice:pa55word https://api', 'curl --user=alice:[REDACTED] https://api'],
    ['curl --user "alice:pa 55word" https://api', 'curl --user "alice:[REDACTED]" https://api'],
    [
      'curl --proxy socks5://alice:pa55word@socks:1080 https://api',
      'curl --proxy socks5://alice:[REDACTED]@socks:1080 https://api',
    ],
    [
      'curl -x socks5h://alice:pa55word@socks:1080 https://api',
      'curl -x socks5h://alice:[REDACTED]@socks:1080 https://api',
    ],
    ['curl -x alice:pa55word@proxy:3128 https://api', 'curl -x alice:[REDACTED]@proxy:3128 https://api'],
    // Rules 15: a word after -u that starts with + or - is no user.
    ['date -u +%H:%M', 'date -u +%H:%M'],
    ['date -u "+%H:%M:%S" -d @0', 'date -u "+%H:%M:%S" -d @0'],
    ['sort -u -t: -k1 fills.csv', 'sort -u -t: -k1 fills.csv'],
    ['date -u +%H:%M; curl -u ops:pa55word https://api', 'date -u +%H:%M; curl -u ops:[REDACTED] https://api'],
    ['mysql -u root -pS3cret orders', 'mysql -u root -p[REDACTED] orders'],
    // A user starting with + or - that has a password is still one (at23 F3).
    ['curl -u +15551234567:pa55word https://api', 'curl -u +15551234567:[REDACTED] https://api'],
    ['curl --user=+bob:pa55word https://api', 'curl --user=+bob:[REDACTED] https://api'],
    ['curl -u+bob:pa55word https://api', 'curl -u+bob:[REDACTED] https://api'],
    ['curl -U +proxy:pr0xyPass https://api', 'curl -U +proxy:[REDACTED] https://api'],
    ["curl -u '-admin:pa55word' https://api", "curl -u '-admin:[REDACTED]' https://api"],
    ['curl -u "-admin:pa55word" https://api', 'curl -u "-admin:[REDACTED]" https://api'],
    // Rules 14.
    ['curl -U proxyuser:pr0xyPass https://api', 'curl -U proxyuser:[REDACTED] https://api'],
    ['curl --proxy-user proxyuser:simplepass https://api', 'curl --proxy-user proxyuser:[REDACTED] https://api'],
    ['curl --proxy-user=proxyuser:simplepass https://api', 'curl --proxy-user=proxyuser:[REDACTED] https://api'],
    [
      "curl -U 'proxyuser:pr0xy Pass' -x http://proxy:3128 https://api",
      "curl -U 'proxyuser:[REDACTED]' -x http://proxy:3128 https://api",
    ],
    [
      'curl --socks5 alice:pa55word@socks.example.com:1080 https://api',
      'curl --socks5 alice:[REDACTED]@socks.example.com:1080 https://api',
    ],
    [
      'curl --socks5-hostname alice:pa55word@socks:1080 https://api',
      'curl --socks5-hostname alice:[REDACTED]@socks:1080 https://api',
    ],
    ['curl --socks5=alice:pa55word@socks:1080 https://api', 'curl --socks5=alice:[REDACTED]@socks:1080 https://api'],
    ['curl --socks4a alice:pa55word@socks:1080 https://api', 'curl --socks4a alice:[REDACTED]@socks:1080 https://api'],
    // Glued, as curl reads a short option's value, on a curl command line.
    ['curl -uadmin:s3cretPw https://api', 'curl -uadmin:[REDACTED] https://api'],
    [
      'curl -s -Uproxyuser:pr0xyPass -x proxy:3128 https://api',
      'curl -s -Uproxyuser:[REDACTED] -x proxy:3128 https://api',
    ],
    [
      'curl --preproxy alice:pa55word@socks:1080 -x proxy:3128 https://api',
      'curl --preproxy alice:[REDACTED]@socks:1080 -x proxy:3128 https://api',
    ],
  ])('%j', (input, output) => {
    expect(r.redactString(input)).toBe(output);
  });

  it('without a password, or a host alone, nothing goes', () => {
    for (const s of [
      'curl -U proxyuser https://api',
      'curl --socks5 socks.example.com:1080 https://api',
      'curl --socks5-hostname localhost:9050 https://check.torproject.org',
      'psql -U postgres -h db',
      'mysql -uroot -h db orders',
      'docker run -u1000:1000 img', // glued only on a curl command line
    ]) {
      expect(r.redactString(s)).toBe(s);
    }
  });

  it('through the logger: no proxy password is written', async () => {
    const sink = new MemorySink();
    const audit = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    audit.log('ops', 'Command', {
      message: 'ran curl -U proxyuser:pr0xyPass --socks5 bob:s0cksPw@socks:1080 https://api',
    });
    await audit.close();
    const all = sink.allLines().join('\n');
    expect(all).not.toContain('pr0xyPass');
    expect(all).not.toContain('s0cksPw');
    expect(all).toContain('proxyuser:[REDACTED]');
  });
});

describe('a URL after -u/-U is no user:password', () => {
  it('its password goes by the URL rule, the rest stays', () => {
    expect(r.redactString('node app.js | pino-couch -U https://couch-server -d mylogs')).toBe(
      'node app.js | pino-couch -U https://couch-server -d mylogs',
    );
    expect(r.redactString('pino-redis -U redis://username:pa55word@localhost:6379')).toBe(
      'pino-redis -U redis://username:[REDACTED]@localhost:6379',
    );
  });
});
