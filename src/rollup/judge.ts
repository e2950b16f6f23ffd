/**
 * The roll-up's findings about hosts: missing, unexpected, duplicated, late, failing verification,
 * silent beyond the heartbeat interval, without heartbeats, and clocks shown to be behind another
 * host's (docs/errors.md, "Roll-up findings").
 */
import type { HostPack, RollupFinding } from './hosts.js';
import type { HostSkew } from './skew.js';

export interface JudgeOptions {
  readonly date: string;
  /** Expected hosts (a hosts file), or undefined when none was given. */
  readonly expected: readonly string[] | undefined;
  /** A pack made more than this many hours after its day ended is late. */
  readonly graceHours: number;
  /** Skew beyond this many milliseconds is a finding (RTS 25: 1 ms for most algorithmic trading). */
  readonly maxSkewMs: number;
}

function presence(packs: readonly HostPack[], o: JudgeOptions, out: RollupFinding[]): void {
  if (o.expected === undefined) return;
  const got = new Set(packs.map((p) => p.host));
  const want = new Set(o.expected);
  for (const h of want)
    if (!got.has(h))
      out.push({ code: 'ROLLUP_HOST_MISSING', severity: 'error', host: h, detail: `no pack of ${o.date} from ${h}` });
  for (const h of got)
    if (!want.has(h))
      out.push({
        code: 'ROLLUP_HOST_UNEXPECTED',
        severity: 'warning',
        host: h,
        detail: `${h} is not in the hosts file`,
      });
}

function lateness(p: HostPack, o: JudgeOptions, out: RollupFinding[]): void {
  if (p.manifest.partial === true) {
    out.push({
      code: 'ROLLUP_HOST_LATE',
      severity: 'warning',
      host: p.host,
      detail: 'its pack is partial: exported before the day ended',
    });
    return;
  }
  const end = Date.parse(`${o.date}T00:00:00Z`) + 86_400_000;
  const made = Date.parse(String(p.manifest.created_at));
  if (Number.isFinite(made) && made > end + o.graceHours * 3_600_000)
    out.push({
      code: 'ROLLUP_HOST_LATE',
      severity: 'warning',
      host: p.host,
      detail: `its pack was made at ${p.manifest.created_at}, more than ${o.graceHours} h after the day ended`,
    });
}

function liveness(p: HostPack, out: RollupFinding[]): void {
  const s = p.scan;
  if (s.heartbeats === 0 && (p.manifest.events?.total ?? 0) > 0)
    out.push({
      code: 'ROLLUP_HOST_NO_HEARTBEAT',
      severity: 'warning',
      host: p.host,
      detail: 'its log has no heartbeat: silence cannot be told from idleness',
    });
  if (s.silentCount > 0) {
    const g = s.silent[0];
    out.push({
      code: 'ROLLUP_HOST_SILENT',
      severity: 'error',
      host: p.host,
      detail: `${s.silentCount} gap(s) longer than the ${s.heartbeatSeconds} s heartbeat allows${g === undefined ? '' : `, first ${g.from} → ${g.to} (${g.seconds} s)`}`,
    });
  }
  if (s.otherHosts.length > 0)
    out.push({
      code: 'ROLLUP_HOST_MIXED',
      severity: 'warning',
      host: p.host,
      detail: `its log also holds ${s.otherHostBeats} heartbeat(s) of other hosts (the first by name: ${s.otherHosts.join(', ')}): a log directory shared between hosts`,
    });
}

/** Every finding about the received packs (duplicates and unusable sources are found while loading). */
export function judgeHosts(
  packs: readonly HostPack[],
  skew: ReadonlyMap<string, HostSkew>,
  o: JudgeOptions,
): RollupFinding[] {
  const out: RollupFinding[] = [];
  presence(packs, o, out);
  for (const p of packs) {
    if (p.verdict === 'failed')
      out.push({
        code: 'ROLLUP_HOST_FAILED',
        severity: 'error',
        host: p.host,
        detail: `its pack fails verification (${p.problems.slice(0, 8).join(', ')}); its rows are left out of the merged files and its pack out of the roll-up tree`,
      });
    else if (p.manifest.line_tree === undefined)
      out.push({
        code: 'ROLLUP_HOST_NO_LINE_TREE',
        severity: 'warning',
        host: p.host,
        detail: 'its manifest records no line_tree: its lines cannot be proven',
      });
    lateness(p, o, out);
    liveness(p, out);
  }
  for (const [host, s] of skew)
    if (s.behind_us > o.maxSkewMs * 1000)
      out.push({
        code: 'ROLLUP_CLOCK_SKEW',
        severity: 'warning',
        host,
        detail: `its clock is behind ${s.behind_of}'s by at least ${(s.behind_us / 1000).toFixed(3)} ms (order ${s.order_id} filled here before it was accepted there; ${s.evidence} such order(s)), beyond ${o.maxSkewMs} ms`,
      });
  return out;
}
