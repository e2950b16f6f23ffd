/**
 * A review actor or reviewer that reads as a secret (at61): `AUDITPACK_ACTOR` set to a token by
 * mistake passed the identity check (letters, digits, `_`), went into the review record as given
 * (a file the auditor and the archive receive) while the chained event carried it as `[REDACTED]`,
 * so verify called the honest record a REVIEW_EVENT_MISMATCH. Such an identity is refused, unquoted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAuditpackError } from '../../src/errors.js';
import { recordDispositions } from '../../src/review-flow/index.js';
import { tempDir } from '../helpers/tmp.js';
import { asActor, DATE, findingIds, makeFixture } from './helpers.js';

const TOKEN = `ghp_${'Zq7RvActorTok'.repeat(2)}0123456789`;

function everything(dir: string): string {
  let text = '';
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    try {
      text += readFileSync(join(dir, name), 'utf8');
    } catch {
      // a directory
    }
  }
  return text;
}

describe('a review identity that reads as a secret', () => {
  it('is refused as the actor and as a disposition reviewer, nothing written, the token not quoted', async () => {
    const f = await makeFixture(tempDir());
    const id = findingIds(f.pack).critical[0] as string;
    const before = everything(f.cwd);
    for (const run of [
      () => recordDispositions(asActor(f, TOKEN), DATE, [{ findingId: id, disposition: 'escalated' }]),
      () =>
        recordDispositions(asActor(f, 'alice@desk'), DATE, [
          { findingId: id, disposition: 'escalated', reviewer: TOKEN },
        ]),
    ]) {
      const err = await run().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isAuditpackError(err), String(err)).toBe(true);
      expect((err as Error).message).toMatch(/reads as a secret/);
      expect((err as Error).message).not.toContain('Zq7Rv');
    }
    const after = everything(f.cwd);
    expect(after).not.toContain('Zq7Rv');
    expect(after.length).toBe(before.length);
  });
});
