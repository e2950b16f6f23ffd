/**
 * A pack kept only as `.tar.gz` (archived, then its directory pruned) keeps its review state: verify
 * of the artifacts directory and of the `.tar.gz` report it and still check the signatures against
 * the archive's tag manifest, and `review status` lists it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tarPackDir } from '../../src/archive/bundle.js';
import { removeTree } from '../../src/fsx/dirs.js';
import { reviewStatus } from '../../src/review-flow/index.js';
import { verifyPath } from '../../src/verify/index.js';
import { approvedFixture, DATE } from './helpers.js';

function codes(r: { problems: readonly { code: string; severity: string }[] }, severity = 'error'): string[] {
  return r.problems.filter((p) => p.severity === severity).map((p) => p.code);
}

describe('review state of a pack kept only as .tar.gz', () => {
  it('verify (directory and .tar.gz) and review status report it; an edited approval is still caught', async () => {
    const { f, sha } = await approvedFixture();
    const tar = join(f.artifacts, `${DATE}.tar.gz`);
    await tarPackDir(f.pack, DATE, tar);
    removeTree(f.pack);

    const status = (await reviewStatus(f.artifacts))[0];
    expect(status?.date).toBe(DATE);
    expect(status?.versions.map((v) => [v.pack, v.state, v.manifestSha256, v.approver])).toEqual([
      [`${DATE}.tar.gz`, 'APPROVED', sha, 'bob@desk'],
    ]);

    const all = await verifyPath(f.artifacts, { logDir: f.logs });
    expect(codes(all)).toEqual([]);
    const state = all.problems.find((p) => p.code === 'REVIEW_STATE');
    expect(state?.file).toBe(`${DATE}.tar.gz`);
    expect(state?.detail).toMatch(/^APPROVED by bob@desk/);
    expect(all.problems.some((p) => p.code === 'REVIEW_PACK_MISSING')).toBe(false);

    const one = await verifyPath(tar, { logDir: f.logs });
    expect(codes(one)).toEqual([]);
    expect(one.problems.find((p) => p.code === 'REVIEW_STATE')?.detail).toMatch(/^APPROVED by bob@desk/);

    // The approval message is still held against the archive's tag manifest.
    const msg = join(f.artifacts, 'reviews', DATE, `${sha}.approval.txt`);
    writeFileSync(
      msg,
      readFileSync(msg, 'utf8').replace(/tagmanifest_sha256: [0-9a-f]+/, `tagmanifest_sha256: ${'0'.repeat(64)}`),
    );
    const edited = await verifyPath(tar, { logDir: f.logs });
    expect(codes(edited)).toContain('REVIEW_APPROVAL_INVALID');
  });
});
