/**
 * The BagIt declaration files of a pack (RFC 8493 §2.1.1, §2.2.2): bagit.txt exactly as written,
 * bag-info.txt with exactly the documented labels in order and a Payload-Oxum that matches data/.
 */
import { BAG_INFO_LABELS, PACK_PATH, PAYLOAD_DIR } from '../format/pack.js';
import { dayNumberOfIsoDate } from '../rotation/index.js';
import { rootText } from './checksum-file.js';
import type { PackFacts } from './pack-facts.js';
import type { Findings } from './report.js';

/** bagit.txt: the BagIt version and the tag files' encoding. */
export function judgeBagit(facts: PackFacts, f: Findings): void {
  const name = PACK_PATH.bagit;
  const bagit = rootText(facts.tags.get(name), name, f);
  if (bagit === undefined) {
    if (!facts.tags.has(name)) f.add('PACK_BAGIT_INVALID', 'error', name, 'missing: this is not a BagIt bag');
  } else if (!/^BagIt-Version: 1\.0\r?\nTag-File-Character-Encoding: UTF-8\r?\n$/.test(bagit)) {
    f.add(
      'PACK_BAGIT_INVALID',
      'error',
      name,
      'expected "BagIt-Version: 1.0" and "Tag-File-Character-Encoding: UTF-8"',
    );
  }
}

/** bag-info.txt's labels and values (the first of each label); empty when it cannot be read. */
export function judgeBagInfo(facts: PackFacts, f: Findings): Map<string, string> {
  const name = PACK_PATH.bagInfo;
  const bagInfo = rootText(facts.tags.get(name), name, f);
  const info = new Map<string, string>();
  if (bagInfo === undefined) {
    if (!facts.tags.has(name)) f.add('PACK_BAG_INFO_INVALID', 'error', name, 'missing');
    return info;
  }
  judgeLabels(bagInfo, info, f);
  const bagged = info.get('Bagging-Date');
  if (bagged !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(bagged) || dayNumberOfIsoDate(bagged) === undefined)) {
    f.add(
      'PACK_BAG_INFO_INVALID',
      'error',
      name,
      `Bagging-Date ${JSON.stringify(bagged.slice(0, 40))} is not a date YYYY-MM-DD`,
    );
  }
  judgeOxum(facts, info.get('Payload-Oxum'), f);
  return info;
}

/** Exactly the documented labels, in order, one "Label: value" per \n-terminated line. */
function judgeLabels(bagInfo: string, info: Map<string, string>, f: Findings): void {
  const lines = bagInfo.split('\n');
  const terminated = lines[lines.length - 1] === '';
  if (terminated) lines.pop();
  const labels: string[] = [];
  for (const line of lines) {
    const m = /^([A-Za-z][A-Za-z0-9-]*): (.*)$/.exec(line);
    labels.push(m === null ? '?' : (m[1] as string));
    if (m !== null && !info.has(m[1] as string)) info.set(m[1] as string, m[2] as string);
  }
  if (!terminated || labels.join('\n') !== BAG_INFO_LABELS.join('\n')) {
    f.add(
      'PACK_BAG_INFO_INVALID',
      'error',
      PACK_PATH.bagInfo,
      `must be exactly the lines ${BAG_INFO_LABELS.join(', ')}, in this order, each "Label: value" ending in \\n; found ${labels.slice(0, 8).join(', ')}${terminated ? '' : ' (the last line is not terminated)'}`,
    );
  }
}

/** Payload-Oxum = total payload bytes . payload file count. */
function judgeOxum(facts: PackFacts, oxum: string | undefined, f: Findings): void {
  const payload = [...facts.files.entries()].filter(([p]) => p.startsWith(PAYLOAD_DIR));
  const bytes = payload.reduce((s, [, x]) => s + x.size, 0);
  if (oxum === undefined || !/^\d{1,17}\.\d{1,9}$/.test(oxum)) {
    f.add('PACK_BAG_INFO_INVALID', 'error', PACK_PATH.bagInfo, 'no valid Payload-Oxum (<bytes>.<files>)');
  } else if (oxum !== `${bytes}.${payload.length}`) {
    f.add(
      'PACK_OXUM_MISMATCH',
      'error',
      PACK_PATH.bagInfo,
      `Payload-Oxum is ${oxum}, but data/ holds ${bytes} bytes in ${payload.length} files`,
    );
  }
}
