/**
 * Unified diffs computed in-process, so that a host without git still gets the diff.
 *
 * Even with git, auditpack diffs here rather than taking `git diff` output: both sides are
 * redacted first, so a secret in a config file can never reach a diff. The format is GNU/git
 * unified format (3 lines of context, `\ No newline at end of file`), readable by `patch` and
 * `git apply`; the text after a TAB on the `---`/`+++` lines names what each side is
 * ("snapshot <id>", "git HEAD <commit>", "working tree").
 *
 * Line matching is Myers' O(ND) algorithm on interned lines after trimming the common prefix and
 * suffix. A pathological pair of large, unrelated files would cost O(N·D) time, so past a work
 * bound the remaining middle is emitted as one delete-and-insert block: still a correct diff
 * (it applies cleanly), just not a minimal one.
 */

/** Lines of context around each change (the GNU and git default). */
export const DIFF_CONTEXT = 3;

/** Bound on Myers work ((N+M)·D steps) before falling back to a block replace. */
const MAX_DIFF_WORK = 40_000_000;

/** One side of a diff. `text` null means the file does not exist on that side (`/dev/null`). */
export interface DiffSide {
  readonly path: string;
  readonly label: string;
  readonly text: string | null;
}

/**
 * The unified diff from `a` to `b`, or '' when they are equal. Paths are written `a/<path>` and
 * `b/<path>` (git's convention), each followed by a TAB and the side's label.
 */
export function unifiedDiff(a: DiffSide, b: DiffSide, context: number = DIFF_CONTEXT): string {
  if (a.text === b.text) return '';
  const aLines = splitKeepingEol(a.text ?? '');
  const bLines = splitKeepingEol(b.text ?? '');
  const ops = diffOps(aLines, bLines);
  let out = `--- ${a.text === null ? '/dev/null' : quotePath(`a/${a.path}`)}\t${a.label}\n`;
  out += `+++ ${b.text === null ? '/dev/null' : quotePath(`b/${b.path}`)}\t${b.label}\n`;
  const body = formatHunks(ops, aLines, bLines, context);
  // Both sides can be empty-but-different only as null vs "": a created or deleted empty file.
  return body === '' ? out : out + body;
}

/** The one-line diff of a binary file (git's wording, with the sides' labels). */
export function binaryDiff(
  a: { path: string; label: string } | null,
  b: { path: string; label: string } | null,
): string {
  const left = a === null ? '/dev/null' : `${quotePath(`a/${a.path}`)} (${a.label})`;
  const right = b === null ? '/dev/null' : `${quotePath(`b/${b.path}`)} (${b.label})`;
  return `Binary files ${left} and ${right} differ\n`;
}

/** Splits text into lines, each keeping its "\n" (the last may lack one). */
export function splitKeepingEol(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) {
      if (start < text.length) lines.push(text.slice(start));
      return lines;
    }
    lines.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
}

/** Edit operations: 0 keep, 1 delete (a line), 2 insert (b line). */
type OpKind = 0 | 1 | 2;

interface Ops {
  readonly kinds: Uint8Array;
  /** For each op: index of its a line (keep/delete) or of the a line it comes before (insert). */
  readonly aIdx: Int32Array;
  /** For each op: index of its b line (keep/insert) or of the b line it comes before (delete). */
  readonly bIdx: Int32Array;
  readonly length: number;
}

function diffOps(a: readonly string[], b: readonly string[]): Ops {
  const n = a.length;
  const m = b.length;
  let pre = 0;
  while (pre < n && pre < m && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < n - pre && suf < m - pre && a[n - 1 - suf] === b[m - 1 - suf]) suf++;

  // Intern the middle lines as integers so the inner loop compares numbers.
  const ids = new Map<string, number>();
  const intern = (s: string): number => {
    let id = ids.get(s);
    if (id === undefined) {
      id = ids.size;
      ids.set(s, id);
    }
    return id;
  };
  const am = new Int32Array(n - pre - suf);
  for (let i = 0; i < am.length; i++) am[i] = intern(a[pre + i] as string);
  const bm = new Int32Array(m - pre - suf);
  for (let i = 0; i < bm.length; i++) bm[i] = intern(b[pre + i] as string);

  const middle = myers(am, bm) ?? blockReplace(am.length, bm.length);

  const total = pre + middle.length + suf;
  const kinds = new Uint8Array(total);
  const aIdx = new Int32Array(total);
  const bIdx = new Int32Array(total);
  let t = 0;
  for (let i = 0; i < pre; i++, t++) {
    aIdx[t] = i;
    bIdx[t] = i;
  }
  let ai = pre;
  let bi = pre;
  for (const k of middle) {
    kinds[t] = k;
    aIdx[t] = ai;
    bIdx[t] = bi;
    if (k !== 2) ai++;
    if (k !== 1) bi++;
    t++;
  }
  for (let i = 0; i < suf; i++, t++) {
    aIdx[t] = ai++;
    bIdx[t] = bi++;
  }
  return { kinds, aIdx, bIdx, length: total };
}

function blockReplace(n: number, m: number): OpKind[] {
  const ops: OpKind[] = [];
  for (let i = 0; i < n; i++) ops.push(1);
  for (let i = 0; i < m; i++) ops.push(2);
  return ops;
}

/**
 * Myers' greedy algorithm with a trace for backtracking (deletions before insertions within a
 * change, like GNU diff and git). Returns undefined past MAX_DIFF_WORK.
 */
function myers(a: Int32Array, b: Int32Array): OpKind[] | undefined {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return blockReplace(n, m);
  const max = n + m;
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max; d++) {
    if ((n + m) * d > MAX_DIFF_WORK) return undefined;
    // Keep v's values for diagonals -d..d as they were before this round.
    trace.push(v.slice(off - d, off + d + 1));
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && (v[off + k - 1] as number) < (v[off + k + 1] as number)))
        x = v[off + k + 1] as number;
      else x = (v[off + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    if (found !== -1) break;
  }
  // Backtrack from (n, m).
  const rev: OpKind[] = [];
  let x = n;
  let y = m;
  for (let d = found; d >= 0; d--) {
    const saved = trace[d] as Int32Array;
    const at = (k: number): number => saved[k + d] as number;
    const k = x - y;
    let prevK: number;
    if (d === 0) prevK = k;
    else if (k === -d || (k !== d && at(k - 1) < at(k + 1))) prevK = k + 1;
    else prevK = k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      rev.push(0);
      x--;
      y--;
    }
    if (d > 0) {
      rev.push(x === prevX ? 2 : 1);
    }
    x = prevX;
    y = prevY;
  }
  return rev.reverse();
}

function formatHunks(ops: Ops, a: readonly string[], b: readonly string[], context: number): string {
  const { kinds, aIdx, bIdx, length } = ops;
  let out = '';
  let i = 0;
  while (i < length) {
    // Find the next change.
    while (i < length && kinds[i] === 0) i++;
    if (i >= length) break;
    const start = Math.max(0, i - context);
    // Extend while the next change is within 2·context keeps.
    let end = i;
    for (;;) {
      while (end < length && kinds[end] !== 0) end++;
      let j = end;
      while (j < length && kinds[j] === 0 && j - end < 2 * context + 1) j++;
      if (j < length && kinds[j] !== 0 && j - end <= 2 * context) {
        end = j;
        continue;
      }
      break;
    }
    const stop = Math.min(length, end + context);
    let aCount = 0;
    let bCount = 0;
    for (let t = start; t < stop; t++) {
      if (kinds[t] !== 2) aCount++;
      if (kinds[t] !== 1) bCount++;
    }
    out += `@@ -${range(aIdx[start] as number, aCount)} +${range(bIdx[start] as number, bCount)} @@\n`;
    for (let t = start; t < stop; t++) {
      const kind = kinds[t];
      const line = kind === 2 ? (b[bIdx[t] as number] as string) : (a[aIdx[t] as number] as string);
      out += (kind === 0 ? ' ' : kind === 1 ? '-' : '+') + line;
      if (!line.endsWith('\n')) out += '\n\\ No newline at end of file\n';
    }
    i = stop;
  }
  return out;
}

/** `start,count` as GNU writes it: an empty range names the line before it; a single line omits the count. */
function range(start0: number, count: number): string {
  if (count === 0) return `${start0},0`;
  if (count === 1) return `${start0 + 1}`;
  return `${start0 + 1},${count}`;
}

/** Quotes a path the way git does when it holds a TAB, newline, quote or backslash. */
function quotePath(p: string): string {
  if (!/[\t\n\r"\\]/.test(p)) return p;
  return `"${p
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/\t/g, '\\t')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')}"`;
}

/** One diff within a text that holds several (a snapshot's per-path text). */
export interface DiffSection {
  /** The old side's label (after the TAB on `---`, or in parentheses on a one-line note). */
  readonly aLabel: string;
  /** The new side's label. */
  readonly bLabel: string;
  /** The section's text, with its trailing newline. */
  readonly text: string;
}

const NOTE_LINE =
  /^(?:Binary files|Files) (?:\/dev\/null|"?a\/.*? \((.*?)\)) and (?:\/dev\/null|"?b\/.*? \((.*?)\)) differ/;

/**
 * Splits a text of consecutive diffs (as written in a snapshot's `diffs`) into its sections,
 * following hunk headers' line counts so that content lines are never taken for headers.
 * Returns undefined if the text is not in that shape.
 */
export function splitDiffSections(text: string): DiffSection[] | undefined {
  const lines = text.split('\n');
  if (lines[lines.length - 1] !== '') return undefined;
  lines.pop();
  const out: DiffSection[] = [];
  let i = 0;
  while (i < lines.length) {
    const start = i;
    const first = lines[i] as string;
    if (first.startsWith('--- ')) {
      const plus = lines[i + 1];
      if (plus === undefined || !plus.startsWith('+++ ')) return undefined;
      const aLabel = first.slice(first.indexOf('\t') + 1);
      const bLabel = plus.slice(plus.indexOf('\t') + 1);
      if (!first.includes('\t') || !plus.includes('\t')) return undefined;
      i += 2;
      for (;;) {
        const m = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(lines[i] ?? '');
        if (!m) break;
        let oldLeft = m[1] === undefined ? 1 : Number(m[1]);
        let newLeft = m[2] === undefined ? 1 : Number(m[2]);
        i++;
        while (oldLeft > 0 || newLeft > 0 || lines[i]?.startsWith('\\')) {
          const l = lines[i];
          if (l === undefined) return undefined;
          const c = l[0];
          if (c === ' ') {
            oldLeft--;
            newLeft--;
          } else if (c === '-') oldLeft--;
          else if (c === '+') newLeft--;
          else if (c !== '\\') return undefined;
          if (oldLeft < 0 || newLeft < 0) return undefined;
          i++;
        }
      }
      out.push({ aLabel, bLabel, text: `${lines.slice(start, i).join('\n')}\n` });
    } else {
      const m = NOTE_LINE.exec(first);
      if (!m) return undefined;
      out.push({ aLabel: m[1] ?? '', bLabel: m[2] ?? '', text: `${first}\n` });
      i++;
    }
  }
  return out;
}
