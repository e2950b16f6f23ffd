/**
 * The reviewed page: the pack's own report.html with a "Review" section added (state, submitter,
 * approver and countersigning key, every disposition), kept beside the record as
 * `reviews/<day>/<manifest hash>.report.html`. The pack's page never changes (the pack is
 * immutable and verify re-renders it); this copy is rendered again from the pack's page and the
 * record after every review action, and verify renders it once more to compare. Every text from
 * the record is escaped: it is attacker-controlled. No script, no request, like the page it extends.
 */
import { escapeHtml } from '../compliance/index.js';
import { type DispositionInEffect, REVIEW_NAMESPACE, reviewRecordPath } from '../format/review.js';
import type { ReviewRecord } from './record.js';

/** The page, or undefined when the pack's page has no place for the section. */
export function renderReviewedPage(packHtml: string, r: ReviewRecord): string | undefined {
  const at = packHtml.indexOf('<h2>Activity</h2>');
  const end = packHtml.lastIndexOf('</body>');
  const place = at !== -1 ? at : end;
  if (place === -1) return undefined;
  return `${packHtml.slice(0, place)}${reviewSection(r)}${packHtml.slice(place)}`;
}

function reviewSection(r: ReviewRecord): string {
  const e = escapeHtml;
  const a = r.approval;
  const badge = r.state === 'APPROVED' ? 'info' : r.state === 'REJECTED' ? 'critical' : 'warning';
  const facts: [string, string][] = [
    ['state', `<span class="badge ${badge}">${e(r.state)}</span>`],
    ['submitted by', submittedBy(r)],
  ];
  if (a !== undefined && a.approval !== null)
    facts.push([
      'approved by',
      `${e(a.actor)} at ${e(a.at)}, countersigned by key <code>${e(a.approval.key_fingerprint)}</code> (SSHSIG, namespace ${REVIEW_NAMESPACE})`,
    ]);
  const last = r.lines[r.lines.length - 1];
  if (last?.kind === 'transition' && last.reason !== null) facts.push([`reason (${e(last.action)})`, e(last.reason)]);
  facts.push(['pack version', `manifest.json sha256 <code>${e(r.manifestSha256)}</code>`]);
  const rows = [...r.dispositions.values()].map(dispositionRow).join('');
  return `<h2>Review</h2>
<dl>${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>
${rows === '' ? '<p>No dispositions recorded.</p>' : `<table><thead><tr><th>finding</th><th>disposition</th><th>reason</th><th>reviewer</th><th>date</th></tr></thead><tbody>${rows}</tbody></table>`}
<p class="muted">The review is recorded in <code>${e(reviewRecordPath(r.packDate, r.manifestSha256))}</code> and in the audit chain; this section is not part of the pack.</p>
`;
}

function submittedBy(r: ReviewRecord): string {
  const s = r.submission;
  if (s === undefined) return '–';
  const key = s.submission === null ? '' : `, signed by key <code>${escapeHtml(s.submission.key_fingerprint)}</code>`;
  return `${escapeHtml(s.actor)}${key}`;
}

function dispositionRow(d: DispositionInEffect): string {
  const e = escapeHtml;
  return `<tr><td><code>${e(d.finding_id)}</code></td><td>${e(d.disposition)}</td><td>${e(d.reason ?? '')}</td><td>${e(d.reviewer)}</td><td>${e(d.review_date)}</td></tr>`;
}
