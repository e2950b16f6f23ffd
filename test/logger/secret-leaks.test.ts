/**
 * Secrets that reached the line outside the field walk, or in shapes the walk did not judge: the
 * names' validation notes, the actor, a config setting's old and new value named by the setting,
 * [name, value] pairs (Object.entries, Headers tuples, flat rawHeaders, HAR {name, value}) and a Map
 * keyed by an object. Each was written in clear before (an outside security pass found them).
 */
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/index.js';

const SECRETS = [
  'hunter2LEAKevt',
  'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
  'AKIAIOSFODNN7EXAMPLE',
  'hunter2LEAKactor',
  'LEAKoldPass',
  'LEAKnewPass',
  'LEAKoldSecret',
  'LEAKnewSecret',
  'abc123def456ghi',
  'hunter2',
];

async function lines(write: (audit: ReturnType<typeof createAuditLogger>) => void): Promise<string[]> {
  const sink = new MemorySink();
  const audit = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
  write(audit);
  await audit.close();
  return sink.allLines();
}

function leaked(all: readonly string[]): string[] {
  return SECRETS.filter((s) => all.some((l) => l.includes(s)));
}

describe('secrets in names and the actor', () => {
  it('a secret in the event or category name is not echoed by its validation note', async () => {
    const all = await lines((a) => {
      a.log('system', 'password:hunter2LEAKevt', {});
      a.log('Cat ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'E', {});
      a.log('Cat AKIAIOSFODNN7EXAMPLE', 'E', {});
      a.log('order', 'Weird AKIAIOSFODNN7EXAMPLE', {});
    });
    expect(leaked(all)).toEqual([]);
    const parsed = all.map((l) => JSON.parse(l));
    expect(parsed[0].event).toBe('password:[REDACTED]');
    expect(parsed[0].validation).toEqual(['event: "password:[REDACTED]" is not a known system event']);
    expect(parsed[1].category).toBe('redacted');
    expect(parsed[1].validation[0]).toBe('category: "Cat [REDACTED]" holds a secret; written as "redacted"');
    expect(parsed[2].category).toBe('redacted');
    expect(parsed[3].validation).toEqual(['event: "Weird [REDACTED]" is not a known order event']);
  });

  it('an ordinary bad name keeps its note', async () => {
    const [line] = await lines((a) => a.log('Not A Category', 'Thing', {}));
    expect(JSON.parse(line as string).validation).toEqual([
      'category: "Not A Category" is not a lowercase name; written as "not_a_category"',
    ]);
  });

  it('the actor of a logger and of a child logger is redacted', async () => {
    const sink = new MemorySink();
    const audit = createAuditLogger({
      sink,
      handleExit: false,
      heartbeatMinutes: 0,
      actor: 'svc password=hunter2LEAKactor',
    });
    audit.log('system', 'E', {});
    audit.child({ actor: 'postgres://svc:hunter2LEAKactor@db/x' }).log('system', 'E', {});
    audit.child({ actor: 'desk7' }).log('system', 'E', {});
    await audit.close();
    const all = sink.allLines();
    expect(leaked(all)).toEqual([]);
    expect(all.map((l) => JSON.parse(l).actor)).toEqual([
      'svc password=[REDACTED]',
      'postgres://svc:[REDACTED]@db/x',
      'desk7',
    ]);
  });
});
