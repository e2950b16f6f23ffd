/**
 * report.html: the day at a glance for a compliance officer. One self-contained file: inline CSS,
 * an inline SVG chart, no script, no font, image or link that would make a request (a pack is read
 * offline, and a page that calls out could leak that someone is reading it). Every text from the
 * log is escaped: it is attacker-controlled.
 */
import type { StartingState } from './carry.js';
import { carriedSection } from './html-carry.js';
import { fmt } from './values.js';
import { showInvisible } from './visible.js';
import type { ComplianceReport } from './report.js';
import { RULES, SEVERITIES, type RuleId, type Severity } from './types.js';

/** The pack's verification facts shown on the page. */
export interface PackFacts {
  readonly export_date: string;
  readonly chain_end_hash: string | null;
  readonly first_seq: number | null;
  readonly last_seq: number | null;
  /** `SHA256:…` fingerprint of the signing key, or null for an unsigned pack. */
  readonly signer: string | null;
  readonly auditpack_version: string;
}

/** Findings rows on the page at most. */
export const MAX_ROWS = 1000;

/**
 * How many findings are counted but not listed: `, N more counted only`, with the count of each
 * severity when the report records them (rules 13; a report of older rules renders as it did).
 */
function omittedText(r: ComplianceReport): string {
  if (!(r.findings_omitted > 0)) return '';
  const by = r.findings_omitted_by_severity;
  const each =
    by === undefined
      ? ''
      : ` (${(['critical', 'warning', 'info'] as const).map((k) => `${escapeHtml(String(by[k]))} ${k}`).join(', ')})`;
  return `, ${r.findings_omitted} more counted only${each}`;
}

/** Escapes text for HTML element content and double-quoted attributes; invisible characters are shown as codes. */
export function escapeHtml(s: string): string {
  return showInvisible(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/**
 * Renders report.html. Deterministic: the same report, facts and start state give the same bytes.
 * `start` is the state the checks started from (data/compliance_state_start.json), shown with the
 * report's `carried_in`.
 */
export function renderReportHtml(r: ComplianceReport, facts: PackFacts, start?: StartingState): string {
  const e = escapeHtml;
  const s = r.summary;
  const counts: [string, number][] = [
    ['events', s.events],
    ['new orders', s.orders_new],
    ['order messages', s.order_messages],
    ['fills', s.fills],
    ['risk checks', s.risk_checks],
    ['risk rejects', s.risk_rejects],
    ['overrides', s.overrides],
    ['decisions', s.decisions],
    ['logins', s.logins],
    ['failed logins', s.failed_logins],
    ['config changes', s.config_changes],
    ['malformed lines', s.malformed_lines],
  ];
  const sev = SEVERITIES.slice().reverse();
  // Per rule, the findings counted but not listed (a report of older rules has no such column).
  const omittedByRule = r.findings_omitted_by_rule;
  const notListed =
    omittedByRule !== undefined && omittedByRule !== null && typeof omittedByRule === 'object'
      ? (Object.assign(Object.create(null), omittedByRule) as Record<string, unknown>)
      : undefined;
  const rank = (rule: string): number => SEVERITIES.indexOf(severityOf(r, rule));
  const byRule = Object.entries(r.by_rule).sort(
    (a, b) => rank(b[0]) - rank(a[0]) || b[1] - a[1] || (a[0] < b[0] ? -1 : 1),
  );
  // A page stays readable: the most severe first, at most MAX_ROWS; every finding is in the JSON and the CSV.
  const shown =
    r.findings.length <= MAX_ROWS
      ? r.findings
      : [...r.findings]
          .sort((a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity))
          .slice(0, MAX_ROWS)
          .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  const rows = shown
    .map(
      (f) =>
        `<tr class="sev-${f.severity}"><td><span class="badge ${f.severity}">${f.severity}</span></td><td>${e(f.time.slice(11, 23))}</td><td class="rule"><code>${e(f.rule)}</code></td><td>${e(f.order_ids.join(', '))}</td><td>${e(f.symbol ?? '')}</td><td>${e(f.description)}</td><td class="ev">${f.evidence
          .map(
            (v) =>
              `${e(v.file)}:${v.line} seq&nbsp;${v.seq}<br><code title="SHA-256 of the line">${e(v.line_sha256.slice(0, 16))}…</code>`,
          )
          .join('<br>')}</td></tr>`,
    )
    .join('\n');
  const policy = r.policy;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<title>Compliance report ${e(r.period.from)}${r.period.to !== r.period.from ? ` to ${e(r.period.to)}` : ''}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px;color:#1d2939;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #eaecf0;padding-bottom:4px}
.muted{color:#667085}.grid{display:flex;flex-wrap:wrap;gap:10px}
.card{border:1px solid #eaecf0;border-radius:8px;padding:8px 12px;min-width:110px}.card b{display:block;font-size:20px}
.sev{display:flex;gap:10px;margin-top:12px}.sev .card b{font-size:26px}
.critical{color:#b42318}.warning{color:#b54708}.info{color:#175cd3}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;border:1px solid currentColor}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid #eaecf0}
th{background:#f9fafb;font-weight:600}td.ev{font-size:12px;white-space:nowrap}td.rule code{word-break:normal;white-space:nowrap}code{font:12px ui-monospace,"DejaVu Sans Mono",monospace;word-break:break-all}
tr.sev-critical td:first-child{border-left:3px solid #b42318}tr.sev-warning td:first-child{border-left:3px solid #b54708}tr.sev-info td:first-child{border-left:3px solid #175cd3}
h3{font-size:14px;margin:16px 0 6px}dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}dt{color:#667085}dd{margin:0}
</style>
</head>
<body>
<h1>Compliance report — ${e(r.period.from)}${r.period.to !== r.period.from ? ` to ${e(r.period.to)}` : ''}</h1>
<p class="muted">Computed from the audit log in this pack (${e(r.files.join(', ') || 'no log')}) with policy <code>${e(policy.path)}</code> sha256 <code>${e(policy.sha256)}</code>${policy.snapshot_id ? `, snapshot <code>${e(policy.snapshot_id)}</code>` : ` (${e(policy.source)})`}.</p>
<div class="sev">${sev.map((k) => `<div class="card ${k}"><b>${r.totals[k]}</b>${k}</div>`).join('')}<div class="card"><b>${r.totals.total}</b>findings</div></div>
<h2>Activity</h2>
<div class="grid">${counts.map(([k, v]) => `<div class="card"><b>${fmt(v)}</b>${e(k)}</div>`).join('')}</div>
<h2>Events by hour (UTC)</h2>
${hourChart(s.by_hour)}
${carriedSection(e, r.carried_in, start)}
<h2>Findings by severity and rule</h2>
${
  byRule.length === 0
    ? '<p>No findings.</p>'
    : `<table><thead><tr><th>severity</th><th>rule</th><th>what it means</th><th>count</th>${notListed === undefined ? '' : '<th>not listed (max_findings)</th>'}</tr></thead><tbody>${byRule
        .map(([rule, n]) => {
          const sv = severityOf(r, rule);
          const omitted = notListed === undefined ? '' : `<td>${e(String(notListed[rule] ?? 0))}</td>`;
          return `<tr><td><span class="badge ${sv}">${sv}</span></td><td><code>${e(rule)}</code></td><td>${e(RULES[rule as RuleId]?.title ?? '')}</td><td>${n}</td>${omitted}</tr>`;
        })
        .join('')}</tbody></table>`
}
<h2>Findings (${r.totals.total}${shown.length < r.totals.total ? `; the ${shown.length} most severe shown here, all ${r.findings.length} listed in compliance_findings.csv${omittedText(r)}` : ''})</h2>
${r.findings.length === 0 ? '<p>No findings.</p>' : `<table><thead><tr><th>severity</th><th>time (UTC)</th><th>rule</th><th>orders</th><th>symbol</th><th>description</th><th>evidence (file:line, seq, line SHA-256)</th></tr></thead><tbody>\n${rows}\n</tbody></table>`}
<h2>Verification facts</h2>
<dl>
<dt>exported day</dt><dd>${e(facts.export_date)}</dd>
<dt>chain end hash</dt><dd><code>${e(facts.chain_end_hash ?? 'none (no events)')}</code></dd>
<dt>seq range</dt><dd>${facts.first_seq ?? '–'} to ${facts.last_seq ?? '–'}</dd>
<dt>signer</dt><dd>${facts.signer ? `<code>${e(facts.signer)}</code> (Ed25519, see tagmanifest-sha256.txt.sig)` : 'unsigned pack'}</dd>
<dt>policies in force</dt><dd>${r.policies.map((p) => `<code>${e(shortHash(p.sha256))}…</code> ${p.snapshot_id ? `snapshot ${e(p.snapshot_id)}` : e(p.source)}${p.from ? ` from ${e(p.from)}` : ''}`).join('<br>')}</dd>
${r.policy_notes.length > 0 ? `<dt>policy notes</dt><dd>${r.policy_notes.map((n) => e(n)).join('<br>')}</dd>\n` : ''}<dt>made by</dt><dd>auditpack ${e(facts.auditpack_version)}</dd>
</dl>
<p class="muted">Check the pack: <code>sha256sum -c tagmanifest-sha256.txt &amp;&amp; sha256sum -c manifest-sha256.txt</code>, or <code>auditpack verify</code>, which also re-runs these checks.</p>
</body>
</html>
`;
}

function severityOf(r: ComplianceReport, rule: string): Severity {
  return r.findings.find((f) => f.rule === rule)?.severity ?? RULES[rule as RuleId]?.severity ?? 'info';
}

/** 24 bars, inline SVG with text labels (readable without CSS or script). */
function hourChart(byHour: readonly number[]): string {
  const w = 720;
  const h = 160;
  const max = Math.max(1, ...byHour);
  const bw = (w - 40) / 24;
  const bars = byHour
    .map((n, i) => {
      const bh = Math.round((n / max) * (h - 40));
      const x = 30 + i * bw;
      return `<rect x="${x.toFixed(1)}" y="${h - 20 - bh}" width="${(bw - 3).toFixed(1)}" height="${bh}" fill="#2e90fa"><title>${String(i).padStart(2, '0')}:00–${String(i).padStart(2, '0')}:59 UTC: ${n} events</title></rect>${n > 0 ? `<text x="${(x + bw / 2 - 1.5).toFixed(1)}" y="${h - 24 - bh}" font-size="9" text-anchor="middle" fill="#475467">${n}</text>` : ''}<text x="${(x + bw / 2 - 1.5).toFixed(1)}" y="${h - 6}" font-size="9" text-anchor="middle" fill="#667085">${String(i).padStart(2, '0')}</text>`;
    })
    .join('');
  return `<svg role="img" aria-label="events per hour, UTC" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><line x1="28" y1="${h - 20}" x2="${w - 8}" y2="${h - 20}" stroke="#d0d5dd"/><text x="0" y="14" font-size="10" fill="#667085">max ${max}</text>${bars}</svg>`;
}

/** A hash's first 16 hex digits, after its `hmac-sha256:` prefix when it is a keyed one (docs/FORMAT.md). */
function shortHash(h: string): string {
  const keyed = 'hmac-sha256:';
  return h.startsWith(keyed) ? h.slice(0, keyed.length + 16) : h.slice(0, 16);
}
