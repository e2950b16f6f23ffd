/**
 * Config lines whose secret has no key name (rules 16):
 *
 * - a libpq password file's line (`.pgpass`, `pgpass.conf`): `host:port:database:user:password`,
 *   `\:` and `\\` escaped; read wherever a line has that shape: a host without blanks, a port of
 *   digits or `*`, a database and a user without blanks, and a password after the fourth unescaped
 *   colon (the rest of the line goes);
 * - a Redis ACL user line (redis.conf, users.acl): `user name on >password ~* +@all`: its
 *   `>password`, `<password`, `#<sha256 hex>`, `!<sha256 hex>` words lose all but their first
 *   character (protocol-auth.ts aclRuleSpans).
 */
import type { ConfigTextFormat } from './config-lines.js';
import { aclRuleSpans, applySpans } from './protocol-auth.js';

const USER_LINE = /^[ \t]*user[ \t]+[^ \t]+/;

/** The start of a pgpass line's password, or -1 when the line is not one. */
export function pgpassPasswordStart(line: string): number {
  let field = 0;
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 92) {
      i++;
      continue;
    }
    if (c === 32 || c === 9) return -1;
    if (c !== 58) continue;
    const len = i - start;
    if (field === 0 && (len === 0 || line.charCodeAt(0) === 35)) return -1;
    if (field === 1 && !/^(?:\d{1,5}|\*)$/.test(line.slice(start, i))) return -1;
    if ((field === 2 || field === 3) && len === 0) return -1;
    field++;
    start = i + 1;
    if (field === 4) return start < line.length ? start : -1;
  }
  return -1;
}

/** Redacts one line's body (the formats whose lines these can be). */
export function redactCommandLine(body: string, format: ConfigTextFormat, censor: string): string {
  if (format === 'json' || format === 'xml') return body;
  const spans: number[] = [];
  if (body.includes(':')) {
    const p = pgpassPasswordStart(body);
    if (p !== -1) spans.push(p, body.length);
  }
  if ((format === 'conf' || format === 'generic') && body.includes('user')) {
    const m = USER_LINE.exec(body);
    if (m !== null) aclRuleSpans(body, m[0].length, body.length, spans);
  }
  return applySpans(body, spans, censor);
}
