#!/usr/bin/env python3
"""An auditor's independent re-implementation of the log check in docs/FORMAT.md.

Used by the tests as an oracle that does not share code with auditpack: if this script and
auditpack disagree, one of them (or the format document) is wrong.

usage: check_chain.py FILE_OR_DIR...   prints a JSON summary; exit 0 intact, 1 broken.
"""
import hashlib, json, os, sys

def lines_of(path):
    data = open(path, "rb").read()
    parts = data.split(b"\n")
    torn = parts[-1]  # bytes after the last "\n" (empty when the file ends cleanly)
    return parts[:-1], torn

def main(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, f) for f in os.listdir(p) if f.startswith("audit-") and f.endswith(".jsonl"))
        else:
            files.append(p)
    prev_hash, prev_seq = None, None
    problems, recovered, count, late = [], 0, 0, 0
    for path in files:
        lines, torn = lines_of(path)
        if torn:
            problems.append(f"{path}: unterminated last line ({len(torn)} bytes)")
        day = os.path.basename(path)[6:14]
        i = 0
        while i < len(lines):
            raw = lines[i]
            # A fragment followed by a matching TornLineRecovered event is skipped, not a break.
            if i + 1 < len(lines):
                try:
                    nxt = json.loads(lines[i + 1])
                    if (nxt.get("event") == "TornLineRecovered" and nxt.get("category") == "system"
                            and nxt.get("fragment_sha256") == hashlib.sha256(raw).hexdigest()
                            and nxt.get("fragment_bytes") == len(raw)):
                        recovered += 1
                        i += 1
                        continue
                except ValueError:
                    pass
            try:
                rec = json.loads(raw)
            except ValueError:
                problems.append(f"{path}:{i+1}: not JSON")
                i += 1
                continue
            if rec.get("event") == "LogDiscontinuity" and rec.get("category") == "system":
                # The writer found the head it last wrote gone: events were lost.
                problems.append(f"{path}:{i+1}: LogDiscontinuity (cached seq {rec.get('cached_seq')})")
            if prev_hash is not None:
                if rec.get("prev") != prev_hash:
                    problems.append(f"{path}:{i+1}: prev does not match the previous line")
                if rec.get("seq") != prev_seq + 1:
                    problems.append(f"{path}:{i+1}: seq {rec.get('seq')} after {prev_seq}")
            elif rec.get("seq") == 1 and rec.get("prev") != "0" * 64:
                problems.append(f"{path}:{i+1}: first line does not start the chain")
            if rec.get("iso_ts", "")[:10].replace("-", "") != day:
                if rec.get("late") is True and rec["iso_ts"][:10].replace("-", "") < day:
                    late += 1
                elif rec.get("event") == "TornLineRecovered" and rec["iso_ts"][:10].replace("-", "") > day:
                    pass  # a recovery is dated when it happened, possibly after the file's day
                else:
                    problems.append(f"{path}:{i+1}: event dated {rec.get('iso_ts')} in file for {day}")
            prev_hash, prev_seq = hashlib.sha256(raw).hexdigest(), rec.get("seq")
            count += 1
            i += 1
    print(json.dumps({"ok": not problems, "lines": count, "recovered": recovered, "late": late,
                      "end_hash": prev_hash, "last_seq": prev_seq, "problems": problems[:20]}))
    return 0 if not problems else 1

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
