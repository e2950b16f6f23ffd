#!/usr/bin/env python3
"""auditpack_check.py: a reference checker for auditpack logs, packs and archives.

Written from docs/FORMAT.md alone, with the Python standard library only (no third-party
module, no `assert`, so `python -O` checks the same). It shares no code with auditpack: when
the two disagree, one of them, or the format document, is wrong.

usage:
  auditpack_check.py PATH [--json] [--allowed-signers FILE] [--review-signers FILE] [--min-retention-days N]

PATH is a log file (audit-YYYYMMDD.jsonl), a logs directory, a pack directory (YYYY-MM-DD or
YYYY-MM-DD.vN), a pack as .tar.gz, or an artifacts directory (packs and pruned.jsonl). A roll-ups
directory (nothing in it like a pack, a day holding rollup.json or .rollup.lock) and a single roll-up
(a directory holding rollup.json and no manifest.json) are not checked: exit 2, saying so on stderr.
Exit 0: intact (warnings allowed); 1: problems found; 2: usage or unreadable input.

Sections, in FORMAT.md's order: common helpers; the audit log (a line, the chain, torn lines,
dates); export packs (tag files, manifests, manifest.json, payload); .tar.gz packs; the
artifacts directory (links between packs, the pruned ledger, the review records: state, links,
the signed messages against the pack, signatures with ssh-keygen; --review-signers names the
allowed_signers file of the submitters' and approvers' keys). --min-retention-days N: a pruned.jsonl
entry pruned less than N days after its day is an error (not given: 90, a warning; 0: off).
"""
import base64
import calendar
import datetime
import errno
import hashlib
import io
import json
import os
import re
import stat
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import unicodedata
import zlib

# ---------------------------------------------------------------------------------------------
# Common helpers
# ---------------------------------------------------------------------------------------------

MAX_LINE_BYTES = 16 * 1024 * 1024  # the bound on a line (FORMAT.md "Verifying")
GENESIS = "0" * 64
HEX64 = re.compile(r"[0-9a-f]{64}")
DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
LOG_NAME = re.compile(r"audit-([0-9]{4})([0-9]{2})([0-9]{2})\.jsonl")
_PACK_NAME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(\.v[1-9][0-9]{0,5})?")


class _PackNames:
    """`YYYY-MM-DD` or `YYYY-MM-DD.vN` (N: 1 to 6 digits) naming a real calendar day, as verify reads them."""

    @staticmethod
    def fullmatch(name):
        m = _PACK_NAME.fullmatch(name)
        return m if m is not None and real_date(m.group(1)) else None


PACK_NAME = _PackNames()
SAFE_NAME = re.compile(r"[A-Za-z0-9._-]+")


class Report:
    """Findings: (severity, code, file, line, detail). Only errors make a report fail."""

    def __init__(self):
        self.findings = []

    def add(self, severity, code, file, line, detail):
        self.findings.append({"severity": severity, "code": code, "file": file, "line": line, "detail": detail})

    def error(self, code, file, line, detail):
        self.add("error", code, file, line, detail)

    def warning(self, code, file, line, detail):
        self.add("warning", code, file, line, detail)

    def errors(self):
        return [f for f in self.findings if f["severity"] == "error"]


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def days_from_civil(y, m, d):
    """Days since 1970-01-01 of a proleptic Gregorian date (works for any year, 0 included)."""
    y -= 1 if m <= 2 else 0
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def days_in_month(y, m):
    if m == 2:
        return 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28
    return 30 if m in (4, 6, 9, 11) else 31


def real_date(text):
    m = DATE_RE.fullmatch(text) if isinstance(text, str) else None
    if m is None:
        return False
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    return 1 <= mo <= 12 and 1 <= d <= days_in_month(y, mo)


class Num:
    """A JSON number kept as written (FORMAT.md fixes how some numbers are written)."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text

    def value(self):
        return float(self.text)


class Pairs(dict):
    """A JSON object that remembers its key order and whether a key was repeated."""

    def __init__(self, pairs):
        super().__init__(pairs)
        self.keys_in_order = [k for k, _ in pairs]
        self.repeated, seen = None, set()
        for k, _ in pairs:
            if k in seen and self.repeated is None:
                self.repeated = k
            seen.add(k)


def _no_constant(name):
    raise ValueError("not JSON: " + name)


def strict_json(text):
    """RFC 8259 JSON: NaN, Infinity and -Infinity are not JSON (verify refuses them too)."""
    return json.loads(text, parse_constant=_no_constant)


def parse_json_line(text):
    """RFC 8259 JSON (no NaN/Infinity); numbers kept as text; objects as Pairs."""
    return json.loads(text, object_pairs_hook=Pairs, parse_float=Num, parse_int=Num, parse_constant=_no_constant)


def plain(v):
    """A parsed value in plain Python types (numbers as float, like JSON.parse)."""
    if isinstance(v, Num):
        return v.value()
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def js_number_equals(v, n):
    return isinstance(v, Num) and v.value() == n


# ---------------------------------------------------------------------------------------------
# The audit log: a line (FORMAT.md "A line", "Verifying / A log file" rule 1)
# ---------------------------------------------------------------------------------------------

CATEGORY_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
ISO_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.([0-9]{6})Z")
TS_RE = re.compile(r"(0|[1-9][0-9]{0,15})\.([0-9]{6})")
SEQ_RE = re.compile(r"[1-9][0-9]{0,15}")
PID_RE = re.compile(r"0|[1-9][0-9]{0,15}")
CONTROL = bytes(range(0x20))


def iso_ts_problem(iso, ts_text):
    m = ISO_RE.fullmatch(iso)
    if m is None:
        return "iso_ts is not YYYY-MM-DDTHH:MM:SS.ffffffZ"
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    if not (1 <= mo <= 12 and 1 <= d <= days_in_month(y, mo) and h <= 23 and mi <= 59 and s <= 59):
        return "iso_ts is not a real date and time"
    t = TS_RE.fullmatch(ts_text)
    if t is None:
        return "ts is not written with exactly 6 decimals"
    secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s
    if int(t.group(1)) != secs or t.group(2) != m.group(7):
        return "ts and iso_ts are not the same instant"
    return None


MAX_LINE_DEPTH = 64  # objects and arrays a line may nest, its own object being level 1 (FORMAT.md rule 2)
TOO_DEEP = "nests objects and arrays more than %d levels deep" % MAX_LINE_DEPTH
TOO_LONG = "longer than %d bytes (the bound on a line): hashed and chained, not parsed" % MAX_LINE_BYTES
LINE_CODES = {TOO_DEEP: "LOG_LINE_TOO_DEEP", TOO_LONG: "LOG_LINE_TOO_LONG"}


def depth_exceeds(raw):
    """Whether the bytes open more than MAX_LINE_DEPTH objects and arrays at once, read lexically
    (FORMAT.md rule 2): a `{` or `[` outside a string opens a level, a `}` or `]` closes one (none
    when none is open), a string runs from `"` to the next `"` not escaped by a backslash. Checked
    before json.loads, whose recursion would otherwise decide (RecursionError at about 1,000)."""
    depth, i, n = 0, 0, len(raw)
    while i < n:
        c = raw[i]
        if c == 0x22:
            i += 1
            while i < n:
                d = raw[i]
                if d == 0x5C:
                    i += 2
                    continue
                if d == 0x22:
                    break
                i += 1
        elif c == 0x7B or c == 0x5B:
            depth += 1
            if depth > MAX_LINE_DEPTH:
                return True
        elif (c == 0x7D or c == 0x5D) and depth > 0:
            depth -= 1
        i += 1
    return False


def read_event(raw):
    """(event, None) for a valid event line (bytes without "\\n"), else (None, reason); the
    reason is TOO_DEEP (LOG_LINE_TOO_DEEP) for a line nested deeper than the bound, TOO_LONG
    (LOG_LINE_TOO_LONG) for a line longer than MAX_LINE_BYTES (rule 0)."""
    if len(raw) > MAX_LINE_BYTES:
        return None, TOO_LONG
    if not raw:
        return None, "empty line"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "not valid UTF-8"
    if raw.translate(None, CONTROL) != raw:
        return None, "holds a control byte"
    # Fewer opening brackets than the bound cannot nest past it: the byte loop runs on few lines.
    if raw.count(b"{") + raw.count(b"[") > MAX_LINE_DEPTH and depth_exceeds(raw):
        return None, TOO_DEEP
    try:
        rec = parse_json_line(text)
    except (ValueError, RecursionError):
        return None, "not valid JSON"
    if not isinstance(rec, Pairs):
        return None, "not a JSON object"
    if rec.repeated is not None:
        return None, "a key appears more than once: " + rec.repeated
    keys = rec.keys_in_order
    if not keys or keys[-1] != "prev":
        return None, "prev is missing or not the last field"
    prev = rec["prev"]
    if not (isinstance(prev, str) and HEX64.fullmatch(prev)):
        return None, "prev is not 64 lowercase hex digits"
    seq = rec.get("seq")
    if not (isinstance(seq, Num) and SEQ_RE.fullmatch(seq.text) and int(seq.text) <= 2 ** 53 - 1):
        return None, "seq is not a positive integer written as one"
    ts, iso = rec.get("ts"), rec.get("iso_ts")
    if not isinstance(ts, Num):
        return None, "ts is missing or not a number"
    if not isinstance(iso, str):
        return None, "iso_ts is missing or not a string"
    problem = iso_ts_problem(iso, ts.text)
    if problem:
        return None, problem
    cat, ev = rec.get("category"), rec.get("event")
    if not (isinstance(cat, str) and CATEGORY_RE.fullmatch(cat)):
        return None, "category is missing or not a lowercase name"
    if not (isinstance(ev, str) and ev != ""):
        return None, "event is missing or empty"
    if "late" in rec and rec["late"] is not True:
        return None, "late is present but not true"
    if "host" in rec and not isinstance(rec["host"], str):
        return None, "host is not a string"
    if "pid" in rec and not (isinstance(rec["pid"], Num) and PID_RE.fullmatch(rec["pid"].text)):
        return None, "pid is not a non-negative integer"
    if "actor" in rec and not isinstance(rec["actor"], str):
        return None, "actor is not a string"
    for name in ("redacted", "validation"):
        if name in rec and not (isinstance(rec[name], list) and all(isinstance(x, str) for x in rec[name])):
            return None, name + " is not an array of strings"
    return {
        "seq": int(seq.text),
        "prev": prev,
        "category": cat,
        "event": ev,
        "iso_ts": iso,
        "date": iso[:10],
        "late": rec.get("late") is True,
        "proc": (rec.get("host"), rec["pid"].text) if "host" in rec and "pid" in rec else None,
        "recovery": cat == "system" and ev == "TornLineRecovered",
        "rec": rec,
    }, None


def recovery_problem(rec, frag_raw, frag_offset, file_name):
    """Why a TornLineRecovered event does not describe the line before it, or None."""
    if rec.get("fragment_sha256") != sha256(frag_raw):
        return "fragment_sha256 is not the SHA-256 of the line before it"
    if not js_number_equals(rec.get("fragment_bytes"), len(frag_raw)):
        return "fragment_bytes is not its length"
    if not isinstance(rec.get("fragment_offset"), Num):
        return "fragment_offset is missing"
    if not js_number_equals(rec.get("fragment_offset"), frag_offset):
        return "fragment_offset is not its offset"
    if not isinstance(rec.get("file"), str):
        return "file is missing"
    if file_name is not None and rec.get("file") != file_name:
        return "file names another file"
    return None


# The writer's head up to `"seq":N,` (FORMAT.md "Torn lines and recovery", rule 1): "#" one digit,
# "S"/"N" an integer without leading zeros of at most 16 digits (S may be 0, N may not).
TORN_HEAD_SHAPE = (b'{"ts":', "S", b'.######,"iso_ts":"####-##-##T##:##:##.######Z","seq":', "N", b",")
TORN_PREV_RE = re.compile(rb',"prev":"([0-9a-f]{64})"\}\Z')


def torn_head_seq(tail):
    """(ok, seq digits or None when cut): whether `tail` is a prefix of the writer's head shape."""
    i, seq = 0, None
    for part in TORN_HEAD_SHAPE:
        if isinstance(part, str):
            j = i
            while j < len(tail) and j - i <= 16 and 0x30 <= tail[j] <= 0x39:
                j += 1
            digits = tail[i:j]
            if len(digits) > 16 or (digits[:1] == b"0" and (len(digits) > 1 or part == "N")):
                return False, None
            if j == len(tail):
                return True, None
            if not digits:
                return False, None
            if part == "N":
                seq = digits.decode("ascii")
            i = j
            continue
        for want in part:
            if i == len(tail):
                return True, None
            c = tail[i]
            if not (0x30 <= c <= 0x39 if want == 0x23 else c == want):
                return False, None
            i += 1
    return True, seq


def utf8_but_cut_char(b):
    """Whether `b` is UTF-8 but for a character cut at its end: a lead byte 0xC2-0xF4, then fewer
    continuation bytes than it needs, the first within the range Unicode's Table 3-7 allows after it."""
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        pass
    j = len(b) - 1
    while j >= 0 and len(b) - j <= 3 and 0x80 <= b[j] <= 0xBF:
        j -= 1
    if j < 0:
        return False
    lead, have = b[j], len(b) - 1 - j
    need = 1 if 0xC2 <= lead <= 0xDF else 2 if 0xE0 <= lead <= 0xEF else 3 if 0xF0 <= lead <= 0xF4 else 0
    if have >= need:
        return False
    if have > 0:
        lo = {0xE0: 0xA0, 0xF0: 0x90}.get(lead, 0x80)
        hi = {0xED: 0x9F, 0xF4: 0x8F}.get(lead, 0xBF)
        if not lo <= b[j + 1] <= hi:
            return False
    try:
        b[:j].decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def torn_tail_problem(tail, last=None):
    """Why unterminated last bytes (or a recovered line) cannot be a write cut off by a crash, or None.
    `last`: (seq, sha256 hex) of the event line right before them in their file, None when there is none."""
    if len(tail) > MAX_LINE_BYTES:
        return "longer than the bound on a line"
    head = b'{"ts":'
    if tail[: len(head)] != head[: len(tail)]:
        return "it does not start as a log line"
    ok, seq = torn_head_seq(tail)
    if not ok:
        return "it does not start as the writer starts a line"
    if tail.translate(None, CONTROL) != tail:
        return "it holds a control byte"
    if not utf8_but_cut_char(tail):
        return "it is not UTF-8"
    if last is None:
        return None
    if seq is not None and seq != str(last[0] + 1):
        return "its seq is not one more than the seq of the line before it"
    m = TORN_PREV_RE.search(tail)
    if m is not None and m.group(1).decode("ascii") != last[1]:
        return "its prev is not the SHA-256 of the line before it"
    return None


# ---------------------------------------------------------------------------------------------
# The audit log: the chain, torn lines, dates (FORMAT.md "The chain", "Torn lines and
# recovery", "Midnight and late events", "Verifying / A log file")
# ---------------------------------------------------------------------------------------------


class LogState:
    """Where the chain stands across the files of one log (and per-process clocks)."""

    def __init__(self):
        self.head = None  # (seq, hash, file, line) of the last chain line
        self.clocks = {}
        self.recent = []  # hashes of the latest chain lines, to tell a copied line from a forged one


def split_lines(data):
    """[(raw, offset)] of terminated lines, and the unterminated tail (b"" when none)."""
    lines, start = [], 0
    while True:
        nl = data.find(b"\n", start)
        if nl < 0:
            return lines, data[start:]
        lines.append((data[start:nl], start))
        start = nl + 1


def check_log_bytes(data, name, day, rep, state, first_file, next_day=None, tail_is_error=False, report_start=True):
    """Checks one log file's bytes. Returns facts for packs (counts, first/last seq, end hash)."""
    lines, tail = split_lines(data)
    file_name = "audit-" + day.replace("-", "") + ".jsonl" if day else None
    facts = {"events": 0, "malformed": 0, "late": 0, "by_category": {}, "first_seq": None, "start_prev": None,
             "last_seq": None, "end_hash": sha256(lines[-1][0]) if lines else None, "event_lines": [], "recovered": 0}
    events = [read_event(raw) for raw, _ in lines]
    fragment = [False] * len(lines)
    for i in range(1, len(lines)):
        ev = events[i][0]
        if ev is not None and ev["recovery"]:
            raw, off = lines[i - 1]
            if recovery_problem(ev["rec"], raw, off, file_name) is None:
                fragment[i - 1] = True
    def event_before(k):
        """(seq, hash) of line k-1 when it is an event and no recovered fragment (rule 2 of a torn write)."""
        if k == 0 or fragment[k - 1] or events[k - 1][0] is None:
            return None
        return events[k - 1][0]["seq"], sha256(lines[k - 1][0])

    before = None  # (seq, hash, line) of the chain line before the current head
    broken_since = None
    for i, (raw, off) in enumerate(lines):
        n = i + 1
        if fragment[i]:
            facts["malformed"] += 1
            facts["recovered"] += 1
            # Judged as an unterminated tail is (FORMAT.md "Torn lines"): bytes appended by hand that a
            # writer recovered were no crash.
            not_torn = torn_tail_problem(raw, event_before(i))
            if not_torn is not None:
                rep.error("LOG_TAIL_INVALID", name, n, "recovered as a torn write, but cannot be one: " + not_torn)
            else:
                rep.warning("LOG_TORN_LINE_RECOVERED", name, n, "a torn write, recovered")
            continue
        ev, why = events[i]
        if ev is None:
            facts["malformed"] += 1
            rep.error(LINE_CODES.get(why, "LOG_LINE_INVALID"), name, n, why)
            state.head = None if state.head is None else (state.head[0] + 1, sha256(raw), name, n)
            broken_since = n
            continue
        facts["events"] += 1
        facts["by_category"][ev["category"]] = facts["by_category"].get(ev["category"], 0) + 1
        facts["late"] += 1 if ev["late"] else 0
        facts["event_lines"].append((ev, raw))
        if facts["first_seq"] is None:
            facts["first_seq"], facts["start_prev"] = ev["seq"], ev["prev"]
        facts["last_seq"] = ev["seq"]
        if ev["recovery"] and (i == 0 or not fragment[i - 1]):
            why_rec = recovery_problem(ev["rec"], lines[i - 1][0], lines[i - 1][1], file_name) if i > 0 else "no line before it"
            rep.error("LOG_RECOVERY_MISMATCH", name, n, "TornLineRecovered does not describe the line before it: " + str(why_rec))
        # Dates (rule 5).
        if day is not None:
            if ev["late"]:
                ok = ev["date"] < day
            else:
                ok = ev["date"] == day or (ev["recovery"] and ev["date"] > day and (next_day is None or ev["date"] <= next_day))
            if not ok:
                rep.error("LOG_DATE_MISMATCH", name, n, "event dated " + ev["date"] + " in the file of " + day)
        # A LogDiscontinuity: the writer found the head it last wrote gone (FORMAT.md "Lost heads").
        lost = ev["category"] == "system" and ev["event"] == "LogDiscontinuity"
        if lost:
            rep.error("LOG_DISCONTINUITY", name, n, "the writer's last head was no longer on disk: events were lost")
        # Clocks (rule 6): a recovery (or LogDiscontinuity) is dated when written, after the events queued behind it.
        if ev["proc"] is not None and not ev["recovery"] and not lost:
            last = state.clocks.get(ev["proc"])
            if last is not None and ev["iso_ts"] < last:
                rep.warning("LOG_CLOCK_BACKWARDS", name, n, "the clock of a process went back")
            else:
                state.clocks[ev["proc"]] = ev["iso_ts"]
        # The chain (rules 2-4).
        me = (ev["seq"], sha256(raw), name, n)
        head = state.head
        if head is None:
            if (ev["prev"] == GENESIS) != (ev["seq"] == 1):
                rep.error("LOG_GENESIS_INVALID", name, n, "only the first line ever has seq 1 and prev = 64 zeros")
            elif ev["prev"] != GENESIS and report_start and first_file:
                rep.add("info", "LOG_CHAIN_START", name, n, "the chain is checked from seq %d" % ev["seq"])
        elif not (ev["prev"] == head[1] and ev["seq"] == head[0] + 1):
            if me[1] in state.recent:
                rep.error("LOG_LINE_DUPLICATE", name, n, "repeats an earlier line byte for byte")
                continue  # the chain goes on from the head, as if the copy were not there
            if broken_since is not None and broken_since == n - 1:
                pass  # right after a damaged line, already reported
            elif head[2] != name and facts["events"] == 1:
                rep.error("LOG_FILE_LINK_BROKEN", name, n, "the first line does not link to the last line of " + head[2])
            elif before is not None and ev["prev"] == before[1] and ev["seq"] == before[0] + 1:
                rep.error("LOG_LINE_OUT_OF_PLACE", name, head[3], "the lines around it link past it")
            else:
                rep.error("LOG_CHAIN_BROKEN", name, n, "prev or seq does not continue from the line before")
        before, state.head = head, me
        state.recent.append(me[1])
        if len(state.recent) > 256:
            state.recent.pop(0)
        broken_since = None
    if tail:
        facts["malformed"] += 1
        bad = torn_tail_problem(tail, event_before(len(lines)))
        if bad is not None or tail_is_error:
            rep.error("LOG_TAIL_INVALID", name, len(lines) + 1, bad or "a torn tail in a file that later day files follow")
        else:
            rep.warning("LOG_TORN_TAIL", name, len(lines) + 1, "the file ends without a newline (a write cut off)")
    if not data:
        rep.warning("LOG_FILE_EMPTY", name, None, "the file is empty")
    return facts


def read_file(path, rep, shown):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        rep.error("READ_FAILED", shown, None, str(e))
        return None


def check_log_file(path, rep):
    name = os.path.basename(path)
    m = LOG_NAME.fullmatch(name)
    day = "%s-%s-%s" % m.groups() if m else None
    data = read_file(path, rep, name)
    if data is not None:
        check_log_bytes(data, name, day, rep, LogState(), True)


def cached_head(path):
    """The head .audit.lock caches (FORMAT.md "Lost heads"): (day, size, seq, hash) or None."""
    try:
        fd = os.open(os.path.join(path, ".audit.lock"), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        raw = os.pread(fd, 512, 0)
    except OSError:
        return None
    finally:
        os.close(fd)

    def no_constant(_):
        raise ValueError("not JSON")
    try:
        obj = json.loads(raw.decode("utf-8", "replace").rstrip(), parse_constant=no_constant)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    out = []
    for k in ("day", "size", "seq"):
        v = obj.get(k)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 2 ** 53 - 1 or int(v) != v:
            return None
        out.append(int(v))
    h = obj.get("hash")
    if not isinstance(h, str) or re.fullmatch(r"[0-9a-f]{64}", h) is None:
        return None
    return out[0], out[1], out[2], h


def hash_of_line_ending_at(full, end):
    """SHA-256 of the line whose "\n" is the byte before offset `end`, or None when none ends there."""
    try:
        fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        window = min(end, 64 * 1024)
        while True:
            if window < 2:
                return None
            buf = os.pread(fd, window, end - window)
            if len(buf) != window or buf[-1] != 10:
                return None
            nl = buf.rfind(b"\n", 0, window - 1)
            if nl == -1 and window < end:
                window = min(end, window * 4)
                continue
            return sha256(buf[nl + 1:window - 1])
    except OSError:
        return None
    finally:
        os.close(fd)


def check_lost_head(path, rep):
    """The check a writer makes before it appends: the lock's cached head still on disk (a warning)."""
    head = cached_head(path)
    if head is None or head[1] == 0:
        return
    day, size, seq, h = head
    try:
        d = datetime.date(1970, 1, 1) + datetime.timedelta(days=day)
    except OverflowError:
        return
    name = "audit-%04d%02d%02d.jsonl" % (d.year, d.month, d.day)
    full = os.path.join(path, name)
    try:
        found = os.stat(full).st_size
    except OSError:
        found = None
    if found == size or (found is not None and found > size and hash_of_line_ending_at(full, size) == h):
        return
    rep.warning("LOG_HEAD_LOST", name, None, ".audit.lock records seq %d as the last line written, ending at byte %d;"
                " the file %s" % (seq, size, "is gone" if found is None else "holds %d bytes" % found))


def check_log_dir(path, rep):
    names = sorted(n for n in os.listdir(path) if LOG_NAME.fullmatch(n) and real_date("%s-%s-%s" % LOG_NAME.fullmatch(n).groups()))
    if not names:
        rep.warning("LOG_DIR_EMPTY", ".", None, "no log files")
    check_lost_head(path, rep)
    state = LogState()
    start, pruned_days = None, {}
    for k, name in enumerate(names):
        full = os.path.join(path, name)
        if os.path.islink(full) or not os.path.isfile(full):
            rep.error("NOT_A_REGULAR_FILE", name, None, "not a regular file; not followed")
            continue
        day = "%s-%s-%s" % LOG_NAME.fullmatch(name).groups()
        nxt = names[k + 1] if k + 1 < len(names) else None
        next_day = "%s-%s-%s" % LOG_NAME.fullmatch(nxt).groups() if nxt else None
        data = read_file(full, rep, name)
        if data is not None:
            facts = check_log_bytes(data, name, day, rep, state, k == 0, next_day=next_day,
                                    tail_is_error=nxt is not None, report_start=False)
            if start is None and facts["first_seq"] is not None:
                start = (name, day, facts["first_seq"], facts["start_prev"])
            for ev, _ in facts["event_lines"]:
                rec = ev["rec"]
                d = rec.get("date") if ev["category"] == "system" and ev["event"] == "LogPruned" else None
                if isinstance(d, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", d):
                    # Where the removed file's chain ended, when the event records it (both fields).
                    # One per removed day, the last recorded winning (a killed prune re-run records it again).
                    ls, eh = rec.get("last_seq"), rec.get("end_hash")
                    ok = (isinstance(ls, Num) and SEQ_RE.fullmatch(ls.text) is not None and int(ls.text) <= 2 ** 53 - 1
                          and isinstance(eh, str) and HEX64.fullmatch(eh) is not None)
                    pruned_days[d] = (int(ls.text), eh) if ok else None
    # Where the chain starts (FORMAT.md "A log file, or the logs directory", rule 3): the genesis, or
    # after log files that retention removed and recorded as LogPruned events.
    if start is not None and start[2] != 1 and start[3] != GENESIS:
        # Retention records LogPruned before removing the file: only days before the oldest kept one count.
        before = [d for d in pruned_days if d < start[1]]
        pruned = (max(before), pruned_days[max(before)]) if before else None
        if pruned is not None and pruned[0] < start[1] and pruned[1] is not None and (
                start[3] != pruned[1][1] or start[2] != pruned[1][0] + 1):
            rep.error("LOG_FILE_REMOVAL_UNRECORDED", start[0], 1,
                      "the newest LogPruned (%s) records a removed file ending at seq %d; the oldest file does not"
                      " start right after it" % (pruned[0], pruned[1][0]))
        elif pruned is not None and pruned[0] < start[1]:
            rep.add("info", "LOG_CHAIN_START", start[0], 1, "the files before it were pruned (LogPruned of %s)" % pruned[0])
        else:
            rep.error("LOG_FILE_REMOVAL_UNRECORDED", start[0], 1,
                      "the chain starts at seq %d and no LogPruned event records a log file removed before it" % start[2])


# ---------------------------------------------------------------------------------------------
# Export packs (FORMAT.md "Export packs", "Verifying / A pack")
# ---------------------------------------------------------------------------------------------

BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
BAG_INFO_LABELS = ["Bagging-Date", "Payload-Oxum", "External-Identifier", "Export-Date", "Auditpack-Version"]
TAG_FILES = ["bag-info.txt", "bagit.txt", "manifest-sha256.txt", "manifest.json"]
ISO_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z")


def parse_manifest(text_bytes, shown, rep, prefix):
    """{path: hash} from `<hex>  <path>\\n` lines, sorted by path as bytes; None if unreadable."""
    out, paths = {}, []
    try:
        text = text_bytes.decode("utf-8")
    except UnicodeDecodeError:
        rep.error("PACK_MANIFEST_INVALID", shown, None, "not UTF-8")
        return None
    if text and not text.endswith("\n"):
        rep.error("PACK_MANIFEST_INVALID", shown, None, "the last line has no newline")
    for i, line in enumerate(text.split("\n")[:-1] if text else []):
        m = re.fullmatch(r"([0-9a-f]{64})  (\S+)", line)
        if m is None:
            rep.error("PACK_MANIFEST_INVALID", shown, i + 1, "not `<sha256>  <path>`")
            continue
        path = m.group(2)
        parts = path.split("/")
        if (prefix and parts[0] != prefix) or any(p in ("", ".", "..") or not SAFE_NAME.fullmatch(p) for p in parts) or len(parts) > (2 if prefix else 1):
            rep.error("PACK_PATH_UNSAFE", shown, i + 1, "an unsafe path")
            continue
        if path in out:
            rep.error("PACK_MANIFEST_INVALID", shown, i + 1, "a path listed twice")
        out[path] = m.group(1)
        paths.append(path)
    if paths != sorted(paths, key=lambda p: p.encode("utf-8")):
        rep.error("PACK_MANIFEST_INVALID", shown, None, "lines are not sorted by path")
    return out


LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def js_escapes(text):
    """json.dumps(..., ensure_ascii=False) text as JSON.stringify writes it: a lone surrogate (json.loads
    pairs every escaped pair, so any left is lone) as its \\uXXXX escape in lower case, never the raw
    code point, which UTF-8 cannot encode (at58 F2: a UnicodeEncodeError traceback)."""
    return LONE_SURROGATE.sub(lambda m: "\\u%04x" % ord(m.group()), text)


def js_utf8(text):
    """The UTF-8 bytes JavaScript gives a string (Buffer.from(text), TextEncoder): a lone surrogate as
    U+FFFD, where Python's encode raises."""
    return LONE_SURROGATE.sub("\ufffd", text).encode("utf-8")


def js_stringify_2(v):
    """JSON.stringify(v, null, 2) for the values a manifest holds."""
    return js_escapes(json.dumps(v, indent=2, ensure_ascii=False))


def csv_records(data):
    """RFC 4180 records of bytes with CRLF line ends; None when not well formed."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text.startswith("\ufeff"):
        return None
    records, field, row, i, n = [], [], [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"' and not field:
            j = i + 1
            buf = []
            while True:
                k = text.find('"', j)
                if k < 0:
                    return None
                buf.append(text[j:k])
                if text[k + 1: k + 2] == '"':
                    buf.append('"')
                    j = k + 2
                    continue
                i = k + 1
                break
            field = ["".join(buf), True]
            if i < n and text[i] not in ",\r":
                return None
            continue
        if c == ",":
            row.append(field[0] if field else "")
            field = []
            i += 1
            continue
        if c == "\r":
            if text[i + 1: i + 2] != "\n":
                return None
            row.append(field[0] if field else "")
            records.append(row)
            row, field = [], []
            i += 2
            continue
        if c == "\n" or c == '"':
            return None
        k = i
        while k < n and text[k] not in ',\r\n"':
            k += 1
        if field:
            return None
        field = [text[i:k], False]
        i = k
    if row or field:
        return None  # the last record must end with CRLF
    return records


def check_pack_files(files, shown, date, rep, log_state=None):
    """Checks a pack given {relative path: bytes}; returns its manifest (dict) or None."""

    def f(p):
        return files.get(p)

    label = lambda p: shown + "/" + p
    # 1. bagit.txt and bag-info.txt.
    if f("bagit.txt") != BAGIT_TXT:
        rep.error("PACK_BAGIT_INVALID", label("bagit.txt"), None, "not the two BagIt 1.0 lines")
    data_files = {p: b for p, b in files.items() if p.startswith("data/")}
    info = f("bag-info.txt")
    if info is None:
        rep.error("PACK_BAG_INFO_INVALID", label("bag-info.txt"), None, "missing")
    else:
        try:
            lines = info.decode("utf-8").split("\n")
        except UnicodeDecodeError:
            lines = ["?"]
        pairs = [l.split(": ", 1) for l in lines[:-1]]
        got = [p[0] for p in pairs]
        values = {p[0]: p[1] for p in pairs if len(p) == 2}
        if lines[-1] != "" or got != BAG_INFO_LABELS or any(len(p) != 2 for p in pairs):
            rep.error("PACK_BAG_INFO_INVALID", label("bag-info.txt"), None, "labels are not exactly " + ", ".join(BAG_INFO_LABELS) + " in order")
        if not real_date(values.get("Bagging-Date")):
            rep.error("PACK_BAG_INFO_INVALID", label("bag-info.txt"), None, "Bagging-Date is not a date")
        oxum = "%d.%d" % (sum(len(b) for b in data_files.values()), len(data_files))
        if values.get("Payload-Oxum") != oxum:
            rep.error("PACK_OXUM_MISMATCH", label("bag-info.txt"), None, "Payload-Oxum is not " + oxum)
        if values.get("Export-Date") != date or values.get("External-Identifier") != "auditpack-" + date:
            rep.error("PACK_DATE_MISMATCH", label("bag-info.txt"), None, "Export-Date or External-Identifier is not the pack's date")
    # 2. manifest-sha256.txt.
    listed = parse_manifest(f("manifest-sha256.txt") or b"", label("manifest-sha256.txt"), rep, "data") if f("manifest-sha256.txt") is not None else None
    if listed is None:
        rep.error("PACK_MANIFEST_INVALID", label("manifest-sha256.txt"), None, "missing or unreadable")
        listed = {}
    for p, h in listed.items():
        if p not in files:
            rep.error("PACK_FILE_MISSING", label(p), None, "listed but missing")
        elif sha256(files[p]) != h:
            rep.error("PACK_FILE_HASH_MISMATCH", label(p), None, "SHA-256 differs from manifest-sha256.txt")
    for p in data_files:
        if p not in listed:
            rep.error("PACK_FILE_UNLISTED", label(p), None, "a file under data/ that no manifest lists")
    check_file_set(files, listed, shown, rep)
    # 3. tagmanifest-sha256.txt.
    tags = parse_manifest(f("tagmanifest-sha256.txt") or b"", label("tagmanifest-sha256.txt"), rep, None) if f("tagmanifest-sha256.txt") is not None else None
    if tags is None or sorted(tags) != TAG_FILES:
        rep.error("PACK_TAGMANIFEST_INVALID", label("tagmanifest-sha256.txt"), None, "does not list exactly " + ", ".join(TAG_FILES))
        tags = tags or {}
    for p, h in tags.items():
        if p in files and sha256(files[p]) != h:
            rep.error("PACK_TAG_HASH_MISMATCH", label(p), None, "SHA-256 differs from tagmanifest-sha256.txt")
    # 4. manifest.json.
    raw = f("manifest.json")
    man = None
    if raw is not None and depth_exceeds(raw):
        # As deep as a log line may nest, at most (auditpack verify's JSON.stringify overflowed past it: at58 F3).
        rep.error("PACK_MANIFEST_JSON_INVALID", label("manifest.json"), None,
                  "nests objects and arrays more than %d levels deep" % MAX_LINE_DEPTH)
        return None
    try:
        man = json.loads(raw.decode("utf-8"), parse_constant=_no_constant) if raw is not None else None
    except (RecursionError, ValueError, UnicodeDecodeError):
        man = None
    if not isinstance(man, dict):
        rep.error("PACK_MANIFEST_JSON_INVALID", label("manifest.json"), None, "missing or not a JSON object")
        return None
    if (js_stringify_2(man) + "\n").encode("utf-8") != raw:
        rep.error("PACK_MANIFEST_JSON_INVALID", label("manifest.json"), None, "not JSON.stringify(…, null, 2) plus a newline")
    check_manifest_json(man, data_files, listed, date, label("manifest.json"), rep)
    check_canonical_manifest(man, files, date, shown, rep)
    # 5. Signature armor (its cryptographic check needs ssh-keygen: see check_signature).
    sig = f("tagmanifest-sha256.txt.sig")
    if sig is not None and not canonical_armor(sig):
        rep.error("PACK_SIGNATURE_INVALID", label("tagmanifest-sha256.txt.sig"), None, "not in the canonical armor")
    elif sig is not None and not sshsig_ed25519(sig):
        rep.error("PACK_SIGNATURE_INVALID", label("tagmanifest-sha256.txt.sig"), None, "not an Ed25519 signature: packs are signed with Ed25519 keys (FORMAT.md \"Signature check\")")
    elif sig is not None and not signature_holds(sig, f("tagmanifest-sha256.txt") or b""):
        rep.error("PACK_SIGNATURE_INVALID", label("tagmanifest-sha256.txt.sig"), None, "the signature does not verify over tagmanifest-sha256.txt")
    # 5b. The token's certificates (FORMAT.md "Time-stamp tokens"): only beside a token, and nothing
    # but PEM certificate blocks as export writes them; no manifest or signature covers the file.
    certs = f("tsa-certs.pem")
    if certs is not None and f("tagmanifest-sha256.txt.tsr") is None:
        rep.error("PACK_FILE_UNEXPECTED", label("tsa-certs.pem"), None, "the certificates of a time-stamp token, but the pack holds no token")
    elif certs is not None and len(certs) > ROOT_BOUNDS["tsa-certs.pem"]:
        rep.error("PACK_FILE_UNEXPECTED", label("tsa-certs.pem"), None, "larger than the certificates of a token can be (256 KiB); not read")
    elif certs is not None and not canonical_pem_certificates(certs):
        rep.error("PACK_FILE_UNEXPECTED", label("tsa-certs.pem"), None, "holds more than PEM certificate blocks as export writes them")
    # 5c. The token over the tag manifest (FORMAT.md "Checking tokens", steps 1 and 2).
    check_pack_token(f("tagmanifest-sha256.txt.tsr"), f("tagmanifest-sha256.txt") or b"", label, rep)
    # 6 and 7. The log and what export derived from it.
    check_payload(files, man, date, shown, rep)
    check_compliance_state(files, date, shown, rep)
    check_config_in_force(files, date, shown, rep)
    check_newest_record(files, shown, rep)
    report = compliance_report_of(files)
    check_policy_notes(files, report, shown, rep)
    check_policy_of_record(files, report, shown, rep)
    check_last_policy_holder(files, report, shown, rep)
    check_start_policy_kept(files, report, shown, rep)
    check_start_policy_repeated(files, report, shown, rep)
    return man


CONFIG_IN_FORCE_SCHEMA = "auditpack-config-in-force/1"
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# data/config_in_force.json's bytes at most (export writes no more), also the bound on
# data/config_snapshot.json where this check reads it (FORMAT.md "config_in_force.json").
MAX_CONFIG_IN_FORCE_BYTES = 16 * 1024 * 1024


def is_json_integer(v, least, most):
    """A JSON number whose value is a whole number in [least, most]: JSON has one number type, so 20.0
    and 2e1 are the integer 20, as JavaScript's JSON.parse reads them (FORMAT.md "config_in_force.json")."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    return least <= v <= most and int(v) == v


def canonical_config_path(p):
    """A path as snapshots record it (FORMAT.md "config_in_force.json"): no empty segment but an absolute path's first, no ".", no ".." after a name."""
    named = False
    for i, s in enumerate(p.split("/")):
        if s == "." or (s == "" and i != 0):
            return False
        if s != "..":
            named = True
        elif named:
            return False
    return True


CONFIG_IN_FORCE_MEMBERS = ("schema", "export_date", "config_snapshot", "files", "other_files", "config_snapshot_redacted_again")


def config_in_force_invalid(v):
    """Why a parsed data/config_in_force.json does not meet its schema (FORMAT.md "config_in_force.json"), or None."""
    if not isinstance(v, dict):
        return "it is not a JSON object"
    # Every version wrote a subset of these members: another (config_snapshot renamed, say) is no writer's (at58).
    stray = [k for k in v if k not in CONFIG_IN_FORCE_MEMBERS]
    if stray:
        return "%s: a member the schema does not define" % json.dumps(stray[0])[:80]
    if v.get("schema") != CONFIG_IN_FORCE_SCHEMA:
        return "its schema is not " + CONFIG_IN_FORCE_SCHEMA
    if not isinstance(v.get("export_date"), str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", v["export_date"]):
        return "export_date is not a YYYY-MM-DD date"
    files = v.get("files")
    if not isinstance(files, list) or len(files) > 65536:
        return "files is not a list"
    reason = lambda r: isinstance(r, str) and 0 < len(r) <= 8192
    seen = set()
    prev = None
    for i, e in enumerate(files):
        if isinstance(e, dict) and any(k not in ("path", "record", "reason") for k in e):
            return "files[%d]: %s: a member the schema does not define" % (i, json.dumps([k for k in e if k not in ("path", "record", "reason")][0])[:80])
        if not isinstance(e, dict) or not isinstance(e.get("path"), str) or not 0 < len(e["path"]) <= 4096:
            return "files[%d]: not an object with a path" % i
        if e["path"] in seen:
            return "files[%d]: path listed twice" % i
        # Sorted by path as UTF-8 bytes, as the writer sorts (a lone surrogate, from a "\ud800" escape,
        # counts as U+FFFD, as verify's encoder writes it).
        key = js_utf8(e["path"])
        if prev is not None and prev >= key:
            return "files[%d]: not sorted by path (as UTF-8 bytes) after files[%d]" % (i, i - 1)
        prev = key
        seen.add(e["path"])
        r = e.get("record")
        if r is None and "record" in e:
            continue
        if r == "unknown":
            if not reason(e.get("reason")):
                return "files[%d]: a record \"unknown\" without a reason" % i
            continue
        if not (isinstance(r, dict) and isinstance(r.get("snapshot_id"), str) and 0 < len(r["snapshot_id"]) <= 128
                and isinstance(r.get("record_sha256"), str) and SHA256_HEX.fullmatch(r["record_sha256"])):
            return "files[%d]: record is not null, \"unknown\" or {snapshot_id, record_sha256}" % i
    o = v.get("other_files", 0)
    if o is not None and not (isinstance(o, dict) and o.get("record") == "unknown" and reason(o.get("reason"))):
        return "other_files is neither null nor {\"record\": \"unknown\", \"reason\": ...}"
    if "config_snapshot" in v:
        c = v["config_snapshot"]
        if c is not None and not (isinstance(c, dict) and isinstance(c.get("snapshot_id"), str) and 0 < len(c["snapshot_id"]) <= 128
                                  and isinstance(c.get("record_sha256"), str) and SHA256_HEX.fullmatch(c["record_sha256"])):
            return "config_snapshot is neither null nor {snapshot_id, record_sha256}"
        # A file naming config_snapshot (the writer of that version on) holds canonical paths only (at40 F2).
        for i, e in enumerate(files):
            if not canonical_config_path(e["path"]):
                return "files[%d]: path is not canonical (./, //, or .. after a name)" % i
    if "config_snapshot_redacted_again" in v:
        a = v["config_snapshot_redacted_again"]
        if not (isinstance(a, dict) and isinstance(a.get("snapshot_id"), str) and 0 < len(a["snapshot_id"]) <= 128
                and isinstance(a.get("record_sha256"), str) and SHA256_HEX.fullmatch(a["record_sha256"])
                and is_json_integer(a.get("rules"), 1, 2 ** 53 - 1)):
            return "config_snapshot_redacted_again is not {snapshot_id, record_sha256, rules: a positive integer}"
    return None


# Matched on the opening's bytes read as Latin-1 (one character a byte), as verify does: the bounds count
# bytes, and no decoder's replacement of bad UTF-8 decides; the id's bytes must be UTF-8 and a JSON string.
SNAPSHOT_OPENING = re.compile(r'\{\n  "format": "(?:[^"\\\n]|\\[^\n]){0,256}",\n  "snapshot_id": ("(?:[^"\\\n]|\\[^\n]){1,1024}"),\n')


def config_snapshot_of(raw):
    """data/config_snapshot.json as the config_in_force.json check reads it: ((snapshot_id, sha256), None)
    for a record, (None, None) when absent or {"snapshot": null, ...}, else (None, why it is neither):
    over its bound, not UTF-8 (decoded strictly, never lossily), not JSON, an object with no snapshot_id."""
    if raw is None:
        return None, None
    if len(raw) > MAX_CONFIG_IN_FORCE_BYTES:
        # Past the bound (an honest record can be: config files of up to 5 MiB and their diffs): its
        # SHA-256 and the snapshot id of its opening, which export writes first (as verify reads it).
        m = SNAPSHOT_OPENING.match(raw[:4096].decode("latin-1"))
        try:
            sid = strict_json(m.group(1).encode("latin-1").decode("utf-8")) if m is not None else None
        except (ValueError, RecursionError):
            sid = None
        if not isinstance(sid, str) or not sid:
            return None, "larger than %d bytes, and its opening names no snapshot_id" % MAX_CONFIG_IN_FORCE_BYTES
        return (sid, sha256(raw), None), None
    try:
        snap = strict_json(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "not UTF-8"
    except (RecursionError, ValueError):
        return None, "not JSON"
    if not isinstance(snap, dict):
        return None, "not a JSON object"
    if isinstance(snap.get("snapshot_id"), str) and snap["snapshot_id"]:
        # With the config files the record holds (its `files` keys) when it lists them (at58 F6).
        held = set(snap["files"]) if isinstance(snap.get("files"), dict) else None
        return (snap["snapshot_id"], sha256(raw), held), None
    if "snapshot" in snap and snap["snapshot"] is None:
        return None, None
    return None, "an object with no snapshot_id"


def shown_id(s):
    """An id read from a pack's file, as a finding shows it: escaped as JSON, at most 300 characters."""
    t = json.dumps(s, ensure_ascii=False)[1:-1]
    return t[:300] + "\u2026" if len(t) > 300 else t


def config_in_force_text(v):
    """The bytes export writes (as text) for what a config_in_force.json that meets its schema says:
    the documented members in their order (FORMAT.md "config_in_force.json"), two-space JSON, a newline."""
    rec = lambda r: {"snapshot_id": r["snapshot_id"], "record_sha256": r["record_sha256"]}
    out = {"schema": v["schema"], "export_date": v["export_date"]}
    if "config_snapshot" in v:
        out["config_snapshot"] = None if v["config_snapshot"] is None else rec(v["config_snapshot"])
    files = []
    for e in v["files"]:
        r = e.get("record")
        if r is None:
            files.append({"path": e["path"], "record": None})
        elif r == "unknown":
            files.append({"path": e["path"], "record": "unknown", "reason": e["reason"]})
        else:
            files.append({"path": e["path"], "record": rec(r)})
    out["files"] = files
    o = v["other_files"]
    out["other_files"] = None if o is None else {"record": "unknown", "reason": o["reason"]}
    if "config_snapshot_redacted_again" in v:
        a = v["config_snapshot_redacted_again"]
        out["config_snapshot_redacted_again"] = dict(rec(a), rules=int(a["rules"]))
    return js_stringify_2(out) + "\n"


def check_config_in_force(files, date, shown, rep):
    """data/config_in_force.json (FORMAT.md "config_in_force.json"): an entry naming the snapshot of
    data/config_snapshot.json carries the SHA-256 of that file's bytes; an entry naming a snapshot whose
    ConfigSnapshot event (not `recovered`) is a line of the pack's data/audit.jsonl carries a record_sha256
    one such event logs; an entry nothing in the pack records is unbound (info)."""
    raw = files.get("data/config_in_force.json")
    if raw is None:
        return
    where = shown + "/data/config_in_force.json"
    if len(raw) > MAX_CONFIG_IN_FORCE_BYTES:
        rep.error("CONFIG_IN_FORCE_INVALID", where, None, "larger than %d bytes: not read" % MAX_CONFIG_IN_FORCE_BYTES)
        return
    v, why = None, None
    try:
        v = strict_json(raw.decode("utf-8"))
    except UnicodeDecodeError:
        why = "it is not UTF-8"
    except (RecursionError, ValueError):
        why = "it is not JSON"
    if why is None:
        why = config_in_force_invalid(v)
    if why is None and "config_snapshot" in v and config_in_force_text(v).encode("utf-8") != raw:
        # A file naming config_snapshot (the writer of that version on) is exactly its writer's bytes (at58 F5).
        why = ("it is not the bytes its writer makes (JSON.stringify(…, null, 2) of the documented members, in their"
               " order, and a newline): a member added, moved or re-spaced")
    if why is not None:
        rep.error("CONFIG_IN_FORCE_INVALID", where, None, "does not meet its schema: " + why)
        return
    if v["export_date"] != date:
        rep.error("CONFIG_IN_FORCE_INVALID", where, None, "export_date is not the pack's day")
    own, malformed = config_snapshot_of(files.get("data/config_snapshot.json"))
    if malformed is not None:
        rep.error("CONFIG_IN_FORCE_MISMATCH", shown + "/data/config_snapshot.json", None,
                  "%s: neither a snapshot record nor {\"snapshot\": null, ...}, so data/config_in_force.json cannot be held to it" % malformed)
    logged = {}
    for e in log_events(files.get("data/audit.jsonl"), "ConfigSnapshot", "config"):
        if e.get("recovered") is not True and isinstance(e.get("snapshot_id"), str) and isinstance(e.get("record_sha256"), str):
            logged.setdefault(e["snapshot_id"], set()).add(e["record_sha256"])
    unbound = []

    def hold(path, sid, sha):
        if sid not in logged:
            unbound.append(sid)
        elif sha not in logged[sid]:
            rep.error("CONFIG_IN_FORCE_MISMATCH", where, None, "%s: snapshot %s, but its ConfigSnapshot event in data/audit.jsonl records another record_sha256" % (path, sid))

    # Declared by export: data/config_snapshot.json is the record redacted again under newer rules, not
    # its bytes. Then the record's hash it gives is held to the log, the file is not (a warning); a flag
    # naming another snapshot, or on a file that is the record's bytes, is a false claim (an error).
    again = v.get("config_snapshot_redacted_again")
    if again is not None:
        if own is None or again["snapshot_id"] != own[0]:
            rep.error("CONFIG_IN_FORCE_INVALID", where, None, "config_snapshot_redacted_again names snapshot %s, but data/config_snapshot.json is not that snapshot's record" % again["snapshot_id"])
            again = None
        elif again["record_sha256"] == own[1]:
            rep.error("CONFIG_IN_FORCE_INVALID", where, None, "config_snapshot_redacted_again says data/config_snapshot.json is redacted again, but it hashes to the record_sha256 given: the claim is false")
            again = None
        else:
            rep.add("warning", "CONFIG_SNAPSHOT_REDACTED_AGAIN", shown + "/data/config_snapshot.json", None,
                    "data/config_snapshot.json is snapshot %s redacted again under redaction rules %d at export; it cannot be matched byte for byte to the record (sha256 %s) in the store: redact the store's record with rules %d and compare"
                    % (shown_id(own[0]), again["rules"], again["record_sha256"], again["rules"]))
            hold("data/config_snapshot.json", own[0], again["record_sha256"])
    # config_snapshot (absent in files of earlier versions): the snapshot data/config_snapshot.json is
    # the record of, and that record's hash; another snapshot, or other bytes, is a mismatch.
    if "config_snapshot" in v and malformed is None:
        c = v["config_snapshot"]
        if c is None:
            if own is not None:
                rep.error("CONFIG_IN_FORCE_MISMATCH", where, None, "config_snapshot is null, but data/config_snapshot.json is snapshot %s" % shown_id(own[0]))
        elif own is None or own[0] != c["snapshot_id"]:
            rep.error("CONFIG_IN_FORCE_MISMATCH", where, None, "config_snapshot names snapshot %s, but data/config_snapshot.json %s"
                      % (c["snapshot_id"], "holds no snapshot record" if own is None else "is snapshot %s" % shown_id(own[0])))
        elif c["record_sha256"] != (again["record_sha256"] if again is not None else own[1]):
            rep.error("CONFIG_IN_FORCE_MISMATCH", where, None, "config_snapshot names snapshot %s with a record_sha256 data/config_snapshot.json does not hash to (nor config_snapshot_redacted_again gives)" % c["snapshot_id"])
    # data/config_snapshot.json's own bytes held to its snapshot's ConfigSnapshot event when that event
    # is a line of the pack's log (verify holds it there by its compliance re-check, which this checker
    # does not run); a snapshot logged on another day is not said unbound for it (at41 F6).
    if again is None and own is not None and own[0] in logged:
        hold("data/config_snapshot.json", own[0], own[1])
    for e in v["files"]:
        r = e.get("record")
        if not isinstance(r, dict):
            continue
        sid, sha = r["snapshot_id"], r["record_sha256"]
        if own is not None and sid == own[0]:
            # Export writes an entry of a record only for a file it found in it: another path is a renamed entry.
            if own[2] is not None and e["path"] not in own[2]:
                rep.error("CONFIG_IN_FORCE_MISMATCH", where, None, "%s: snapshot %s, whose record (data/config_snapshot.json) holds no such file" % (shown_id(e["path"]), sid))
            expected = again["record_sha256"] if again is not None else own[1]
            if sha != expected:
                rep.error("CONFIG_IN_FORCE_MISMATCH", where, None, "%s: snapshot %s, but data/config_snapshot.json (its record) hashes to %s" % (e["path"], sid, expected))
        else:
            hold(e["path"], sid, sha)
    if unbound:
        rep.add("info", "CONFIG_IN_FORCE_UNBOUND", where, None,
                "%d entries name snapshots whose ConfigSnapshot event is not in the pack's log: not checked here" % len(unbound))


# The endings of the compliance report's policy notes that say snapshot S's policy was not used
# (FORMAT.md "compliance_report.json", policy_notes). A note unbinds S only in one of these shapes,
# "snapshot S: configs/compliance_policy.yaml was not used" first, never for holding S's id (at43 F4).
NOTE_RECORD_MISSING = (
    "an older snapshot is never taken in its place: the period starts under the built-in policy (put the record back from a recorded pack naming it, or take a fresh snapshot)",
    "the file on disk or an older snapshot is never taken in its place: the built-in policy is in force from its event on (put the record back from a recorded pack naming it, or take a fresh snapshot)",
    "a snapshot the audit log does not record cannot set the policy",
    "a snapshot whose recording cannot be checked does not set the policy (a pack copy of its day's log that a LogPruned event vouches for, in the artifacts directory, lets it be checked)",
)
NOTE_UNPARSED = "the policy before it stayed in force"


def says_record_missing(note, sid):
    """The note says snapshot sid's policy was not used because its record or its recording is missing."""
    return isinstance(note, str) and note.startswith("snapshot %s: configs/compliance_policy.yaml was not used" % sid) \
        and any(note.endswith(e) for e in NOTE_RECORD_MISSING)


def says_unparsed(note, sid):
    """The note says snapshot sid's policy was not used because it does not parse."""
    return isinstance(note, str) and note.endswith(NOTE_UNPARSED) \
        and note.startswith("snapshot %s: configs/compliance_policy.yaml was not used" % sid)


def says_not_used(note, sid):
    """The note says snapshot sid's policy was not used, for any documented reason: it unbinds sid."""
    return says_record_missing(note, sid) or says_unparsed(note, sid)


# What each record-missing ending says happened to the snapshot (COMPLIANCE_POLICY_UNKNOWN, at45 F2).
NOTE_RECORD_MISSING_SAYS = (
    "the snapshot store lost its record: the period starts under the built-in policy",
    "the snapshot store lost its record: the built-in policy is in force from its event on",
    "the audit log does not record it: it set no policy",
    "its recording cannot be checked: it set no policy",
)
NOTE_HEAD = re.compile(r"snapshot ([^ :]+): ")


def warn_lost_policies(report, shown, rep):
    """COMPLIANCE_POLICY_UNKNOWN (a warning; FORMAT.md "compliance_report.json", policy_notes; at45
    F2): each policy note that says a snapshot's record or its recording is missing (says_record_missing
    of the id the note names first): part of the period ran under the built-in policy, or the one
    before that snapshot. A forger who drops a stricter snapshot's record writes such a note."""
    notes = report.get("policy_notes")
    period = report.get("period")
    if not isinstance(notes, list) or not isinstance(period, dict):
        return
    a, b = period.get("from"), period.get("to")
    when = a if a == b else "%s to %s" % (a, b)
    for note in notes:
        m = NOTE_HEAD.match(note) if isinstance(note, str) else None
        if m is None or not says_record_missing(note, m.group(1)):
            continue
        says = next(w for e, w in zip(NOTE_RECORD_MISSING, NOTE_RECORD_MISSING_SAYS) if note.endswith(e))
        rep.warning("COMPLIANCE_POLICY_UNKNOWN", shown + "/data/compliance_report.json", None,
                    "the compliance report of %s says snapshot %s's configs/compliance_policy.yaml was not used: %s (a policy note; export warned COMPLIANCE_POLICY_UNKNOWN)" % (when, m.group(1), says))


def compliance_report_of(files):
    """data/compliance_report.json parsed strictly, once for the checks of the policy of record; None
    when absent or not JSON (its own shape is auditpack verify's COMPLIANCE_REPORT_INVALID)."""
    raw = files.get("data/compliance_report.json")
    if raw is None:
        return None
    try:
        return strict_json(raw.decode("utf-8"))
    except (RecursionError, ValueError, UnicodeDecodeError):
        return None


def check_newest_record(files, shown, rep):
    """CONFIG_IN_FORCE_MISMATCH (FORMAT.md "config_snapshot.json"; at52): data/config_snapshot.json is
    a snapshot whose ConfigSnapshot event is a line of the pack's log, and a later event there names
    another snapshot: the config of record at the day's end is the chain's newest event's, so the file
    is an earlier record (a forger re-making the report under its policy). With config_in_force.json
    or without (a forger may drop that optional file)."""
    own, _ = config_snapshot_of(files.get("data/config_snapshot.json"))
    if own is None:
        return
    ids = [e["snapshot_id"] for e in log_events(files.get("data/audit.jsonl"), "ConfigSnapshot", "config")
           if e.get("recovered") is not True and isinstance(e.get("snapshot_id"), str) and e["snapshot_id"]
           and isinstance(e.get("record_sha256"), str) and HEX64.fullmatch(e["record_sha256"])]
    if own[0] in ids and ids[-1] != own[0]:
        rep.error("CONFIG_IN_FORCE_MISMATCH", shown + "/data/config_snapshot.json", None,
                  "snapshot %s: its ConfigSnapshot event is a line of data/audit.jsonl, but a later one there logs snapshot %s: the config of record at the day's end is the chain's newest event's, so this file is not the day's record" % (own[0][:80], ids[-1][:80]))


def check_policy_notes(files, report, shown, rep):
    """COMPLIANCE_REPORT_MISMATCH (FORMAT.md "A pack", step 8; at43 F4): a policy note calls the
    record of data/config_snapshot.json's snapshot missing (says_record_missing), yet the pack holds
    that record (its bytes, or the record_sha256 config_in_force.json's config_snapshot_redacted_again
    gives) and a ConfigSnapshot event of that snapshot in the pack's own log logs its SHA-256: the
    note is false, and it would unbind that snapshot's policy."""
    if report is None:
        return
    if isinstance(report, dict):
        warn_lost_policies(report, shown, rep)
        check_policy_holder(files, report, shown, rep)
    own, _ = config_snapshot_of(files.get("data/config_snapshot.json"))
    if own is None:
        return
    notes = report.get("policy_notes") if isinstance(report, dict) else None
    if not isinstance(notes, list):
        return
    held = own[1]
    try:
        cif = strict_json(files["data/config_in_force.json"].decode("utf-8")) if "data/config_in_force.json" in files else None
    except (RecursionError, ValueError, UnicodeDecodeError):
        cif = None
    again = cif.get("config_snapshot_redacted_again") if isinstance(cif, dict) else None
    if isinstance(again, dict) and again.get("snapshot_id") == own[0] and isinstance(again.get("record_sha256"), str):
        held = again["record_sha256"]
    logged = {e.get("record_sha256") for e in log_events(files.get("data/audit.jsonl"), "ConfigSnapshot", "config")
              if e.get("recovered") is not True and e.get("snapshot_id") == own[0]}
    note = next((n for n in notes if says_record_missing(n, own[0])), None)
    if held in logged and note is not None:
        rep.error("COMPLIANCE_REPORT_MISMATCH", shown + "/data/compliance_report.json", None,
                  "a policy note says snapshot %s's record or its recording is missing, yet data/config_snapshot.json is that record and the ConfigSnapshot event of it in data/audit.jsonl logs its record_sha256 %s: the note is false, and it would unbind that snapshot's policy" % (own[0], held))
    check_unparsed_note(files.get("data/config_snapshot.json"), report, own[0], notes, shown, rep)
    # at51 F2: the pack's own log pins the record whose policy the report does not end under.
    q = report_not_in_force(files.get("data/config_snapshot.json"), report) if isinstance(report, dict) else None
    if q is not None and held in logged:
        rep.error("COMPLIANCE_REPORT_MISMATCH", shown + "/data/compliance_report.json", None, q[2])


def check_policy_holder(files, report, shown, rep):
    """COMPLIANCE_REPORT_MISMATCH (FORMAT.md "A pack", step 8; the report's policy held to
    config_in_force.json): the day ends with a narrow snapshot, so data/config_snapshot.json stores no
    policy file, and data/config_in_force.json names an earlier snapshot as holding it at the day's end,
    whose ConfigSnapshot event in the pack's own log logs the entry's record hash; yet the report ends
    under the built-in policy or a policy file. An earlier day's holder: check_policies_in_force."""
    snap_raw = files.get("data/config_snapshot.json")
    own, _ = config_snapshot_of(snap_raw)
    notes = report.get("policy_notes") if isinstance(report, dict) and isinstance(report.get("policy_notes"), list) else []
    log_holder = log_policy_holder(files, notes, own[0] if own is not None else None)
    q = holder_not_in_force(files.get("data/config_in_force.json"), snap_raw, report, log_holder)
    if q is None:
        return
    sid, sha, detail = q
    logged = {e.get("record_sha256") for e in log_events(files.get("data/audit.jsonl"), "ConfigSnapshot", "config")
              if e.get("recovered") is not True and e.get("snapshot_id") == sid}
    if sha in logged:
        rep.error("COMPLIANCE_REPORT_MISMATCH", shown + "/data/compliance_report.json", None, detail)


def holder_not_in_force(cif_raw, snap_raw, report, log_holder=None):
    """(holder id, record sha256, detail) when data/config_in_force.json's configs/compliance_policy.yaml
    entry names a snapshot other than data/config_snapshot.json's (a narrow snapshot came after it), the
    report's last policy is not a snapshot's (built-in, or a file the pack cannot compare: it does not
    hold the holder's record), no policy note says the holder's policy does not parse, and the record of
    data/config_snapshot.json raises no question of its own (report_not_in_force); else None. `log_holder`
    (log_policy_holder: the pack log's own events say it) comes before the entry, the forger's to edit."""
    if not isinstance(report, dict) or (log_holder is None and (cif_raw is None or len(cif_raw) > MAX_CONFIG_IN_FORCE_BYTES)):
        return None
    if report_not_in_force(snap_raw, report) is not None:
        return None
    r = log_holder or policy_holder_entry(cif_raw)
    if r is None:
        return None
    own, _ = config_snapshot_of(snap_raw)
    sid, sha = r["snapshot_id"], r["record_sha256"]
    policies = report.get("policies")
    last = policies[-1] if isinstance(policies, list) and policies else None
    notes = report.get("policy_notes") if isinstance(report.get("policy_notes"), list) else []
    if (own is not None and own[0] == sid) or not isinstance(last, dict) or last.get("source") == "snapshot":
        return None
    if any(says_unparsed(n, sid) for n in notes):
        return None
    claimed = "the built-in policy" if last.get("source") == "built-in" else "a policy file of sha256 %s" % str(last.get("sha256"))[:80]
    says = "the ConfigSnapshot events of data/audit.jsonl name" if log_holder is not None else "data/config_in_force.json names"
    return sid, sha, "%s snapshot %s as holding %s at the end of the day (record_sha256 %s, which its ConfigSnapshot event in the chain logs), and data/config_snapshot.json does not record it: that snapshot's policy was in force at the day's end, yet the report ends under %s" % (says, sid, POLICY_PATH, sha, claimed)


def policy_holder_entry(cif_raw):
    """The record data/config_in_force.json's configs/compliance_policy.yaml entry names (a dict with a
    snapshot id of the snapshot shape and a record_sha256), or None: absent, over its bound, or out of
    its schema (whose own check says so)."""
    if cif_raw is None or len(cif_raw) > MAX_CONFIG_IN_FORCE_BYTES:
        return None
    try:
        cif = strict_json(cif_raw.decode("utf-8"))
    except (RecursionError, ValueError, UnicodeDecodeError):
        return None
    if config_in_force_invalid(cif) is not None:
        return None
    entry = next((e for e in cif["files"] if isinstance(e, dict) and e.get("path") == POLICY_PATH), None)
    r = entry.get("record") if entry is not None else None
    # An id of the snapshot shape only: the archive check reads its day from it.
    if not isinstance(r, dict) or not isinstance(r.get("snapshot_id"), str) or not SNAPSHOT_ID.fullmatch(r["snapshot_id"]) \
            or not isinstance(r.get("record_sha256"), str):
        return None
    return r


def log_policy_holder(files, notes, own_sid):
    """The snapshot holding configs/compliance_policy.yaml at the end of the pack's own log by its
    ConfigSnapshot events (not recovered), as verify's logPolicyHolderOf (at53): the newest event whose
    `paths` lists the file, walking back over narrow ones (`full` false) that leave it out; None when a
    full one left it out, an event carries no `paths`, none is found, it is data/config_snapshot.json's
    own (own_sid), its id is not of the snapshot shape, or a note says its policy was not used. A dict
    {snapshot_id, record_sha256}: it comes before data/config_in_force.json's entry, the forger's to edit."""
    for e in reversed(policy_events(files)):
        paths = path_list(e.get("paths"))
        if paths is not None and POLICY_PATH not in paths and e.get("full") is False:
            continue
        sid = e["snapshot_id"]
        if paths is None or POLICY_PATH not in paths or sid == own_sid or not SNAPSHOT_ID.fullmatch(sid):
            return None
        if any(says_not_used(n, sid) for n in notes):
            return None
        return {"snapshot_id": sid, "record_sha256": e["record_sha256"]}
    return None


def check_last_policy_holder(files, report, shown, rep):
    """COMPLIANCE_REPORT_MISMATCH (FORMAT.md "A pack", step 8; fx54a), as verify holds it: a built-in
    policy's text hashes to its sha256 whatever it holds (export never redacts the built-in policy, so a
    [REDACTED] text is no excuse); and a report whose last policy is a snapshot's names the snapshot
    holding configs/compliance_policy.yaml at the period's end: data/config_snapshot.json's when its
    record stores the file (and no note unbinds it), else the one data/config_in_force.json names
    (unless a note says its policy does not parse). The one exception: a single policy in force from
    the start (from null), which export lists alone when the period's snapshots all repeat it."""
    if not isinstance(report, dict) or not isinstance(report.get("policies"), list):
        return
    where = shown + "/data/compliance_report.json"
    policies = report["policies"]
    for p in policies:
        if isinstance(p, dict) and p.get("source") == "built-in" and isinstance(p.get("text"), str) \
                and sha256(js_utf8(p["text"])) != p.get("sha256"):
            rep.error("COMPLIANCE_REPORT_MISMATCH", where, None,
                      "a built-in recorded policy's text does not hash to its recorded sha256 %s (a built-in policy is never redacted: its sha256 is its own text's)" % str(p.get("sha256"))[:80])
    last = policies[-1] if policies else None
    if not isinstance(last, dict) or last.get("source") != "snapshot" or (len(policies) == 1 and last.get("from") is None):
        return
    notes = report.get("policy_notes") if isinstance(report.get("policy_notes"), list) else []
    snap_raw = files.get("data/config_snapshot.json")
    try:
        snap = strict_json(snap_raw.decode("utf-8")) if snap_raw is not None and len(snap_raw) <= MAX_CONFIG_IN_FORCE_BYTES else None
    except (RecursionError, ValueError, UnicodeDecodeError):
        snap = None
    sid = snap.get("snapshot_id") if isinstance(snap, dict) else None
    e = snap.get("files").get(POLICY_PATH) if isinstance(snap, dict) and isinstance(snap.get("files"), dict) else None
    held = None
    if isinstance(sid, str) and SNAPSHOT_ID.fullmatch(sid) and isinstance(e, dict) and e.get("stored") is True \
            and e.get("binary") is not True and isinstance(e.get("hash"), str) and not any(says_not_used(n, sid) for n in notes):
        held, says = sid, "data/config_snapshot.json, the record of the latest snapshot at its end, stores it"
    else:
        r = log_policy_holder(files, notes, sid) or policy_holder_entry(files.get("data/config_in_force.json"))
        if r is not None and r["snapshot_id"] != sid and not any(says_unparsed(n, r["snapshot_id"]) for n in notes):
            held, says = r["snapshot_id"], "the ConfigSnapshot events of data/audit.jsonl, else data/config_in_force.json, name it as holding the file at the day's end"
    if held is None or last.get("snapshot_id") == held:
        return
    rep.error("COMPLIANCE_REPORT_MISMATCH", where, None,
              "the policy in force at the end of the period is snapshot %s's %s (%s), yet the report's last policy is of snapshot %s: export lists every snapshot of the period in the order its event takes force, the last being that holder"
              % (held, POLICY_PATH, says, json.dumps(last.get("snapshot_id"))[:80]))


def path_list(v):
    """A ConfigSnapshot event's `paths` or `changed_files` when it has the documented shape (a list of
    at most 65,536 non-empty strings of at most 4,096 characters), else None (no list)."""
    if not isinstance(v, list) or len(v) > 65536:
        return None
    if not all(isinstance(p, str) and 0 < len(p) <= 4096 for p in v):
        return None
    return v


def policy_events(files):
    """The ConfigSnapshot events of the pack's log (not recovered) with an id and a record hash, in log order."""
    return [e for e in log_events(files.get("data/audit.jsonl"), "ConfigSnapshot", "config")
            if e.get("recovered") is not True and isinstance(e.get("snapshot_id"), str)
            and 0 < len(e["snapshot_id"]) <= 128 and isinstance(e.get("record_sha256"), str)
            and SHA256_HEX.fullmatch(e["record_sha256"])]


def not_used_ids(notes):
    """The snapshots the policy notes name as not used (says_not_used of the id each names first)."""
    unused = set()
    for n in notes:
        m = NOTE_HEAD.match(n) if isinstance(n, str) else None
        if m is not None and says_not_used(n, m.group(1)):
            unused.add(m.group(1))
    return unused


def repeats_start(e, unused):
    """The event records configs/compliance_policy.yaml (paths) without listing it in changed_files, and
    no note says its policy was not used."""
    changed, paths = path_list(e.get("changed_files")), path_list(e.get("paths"))
    return changed is not None and POLICY_PATH not in changed and paths is not None and POLICY_PATH in paths \
        and e["snapshot_id"] not in unused


def _censored_matches(pieces, s):
    """Whether the pattern `pieces` (literals between censors) matches the censor-free line s."""
    first, last = pieces[0], pieces[-1]
    if len(pieces) == 1:
        return first == s
    if len(first) + len(last) > len(s) or not s.startswith(first) or not s.endswith(last):
        return False
    at, end = len(first), len(s) - len(last)
    for p in pieces[1:-1]:
        i = s.find(p, at)
        if i == -1 or i + len(p) > end:
            return False
        at = i + len(p)
    return True


def _censored_lines_agree(a, b):
    if a == b:
        return True
    pa, pb = a.split("[REDACTED]"), b.split("[REDACTED]")
    if len(pa) == 1:
        return _censored_matches(pb, a)
    if len(pb) == 1:
        return _censored_matches(pa, b)
    return (pa[0].startswith(pb[0]) or pb[0].startswith(pa[0])) and (pa[-1].endswith(pb[-1]) or pb[-1].endswith(pa[-1]))


def censored_copies_agree(a, b):
    """Whether texts a and b may be redacted copies of one file, as verify's censoredCopiesAgree
    (src/verify/censored-lines.ts, fx58a): the same lines (split at \\r\\n, \\r, \\n), each pair
    agreeing but for spans either replaced by the censor [REDACTED] (which stands for any text)."""
    la, lb = re.split(r"\r\n|\r|\n", a), re.split(r"\r\n|\r|\n", b)
    return len(la) == len(lb) and all(_censored_lines_agree(x, y) for x, y in zip(la, lb))


def check_start_policy_repeated(files, report, shown, rep):
    """COMPLIANCE_REPORT_MISMATCH (FORMAT.md "A pack", step 8; fx57a), as verify's startPolicyNotRepeated:
    a report with several policies, the first a snapshot's in force from the start (from null), whose
    pack log holds, before any event that may have changed configs/compliance_policy.yaml (one listing
    it in changed_files, or without the lists), an event that records the file unchanged and whose
    policy no note says was not used: it put the start policy in force again, so the report's entry of
    that snapshot has the start policy's sha256."""
    if not isinstance(report, dict) or not isinstance(report.get("policies"), list):
        return
    policies = report["policies"]
    start = policies[0] if len(policies) > 1 else None
    if not isinstance(start, dict) or start.get("source") != "snapshot" or start.get("from") is not None:
        return
    notes = report.get("policy_notes") if isinstance(report.get("policy_notes"), list) else []
    unused = not_used_ids(notes)
    for e in policy_events(files):
        changed = path_list(e.get("changed_files"))
        if changed is None or POLICY_PATH in changed:
            return
        if not repeats_start(e, unused):
            continue
        entry = next((p for p in policies[1:] if isinstance(p, dict) and p.get("source") == "snapshot"
                      and p.get("snapshot_id") == e["snapshot_id"]), None)
        if entry is None or entry.get("sha256") == start.get("sha256"):
            continue
        # A record of an earlier version holds the plain hash of a file with redacted values, and a
        # snapshot counts it unchanged against the keyed one: only hashes of one shape compare; of two
        # shapes, the texts, copies of one file redacted under two rule sets, are held to each other (fx58a).
        keyed = [str(x.get("sha256")).startswith("hmac-sha256:") for x in (entry, start)]
        same_shape = keyed[0] == keyed[1]
        if same_shape or not censored_copies_agree(*[x.get("text") if isinstance(x.get("text"), str) else "" for x in (start, entry)]):
            rep.error("COMPLIANCE_REPORT_MISMATCH", shown + "/data/compliance_report.json", None,
                      "the ConfigSnapshot event of snapshot %s in data/audit.jsonl records %s without listing it in its changed_files, and no event before it changed the file: it put the policy in force at the period's start in force again, yet the report's entry of that snapshot has sha256 %s and its start policy (snapshot %s, from null) sha256 %s%s"
                      % (e["snapshot_id"], POLICY_PATH, str(entry.get("sha256"))[:80], json.dumps(start.get("snapshot_id"))[:80], str(start.get("sha256"))[:80],
                         "" if same_shape else ", and their texts differ outside the spans redaction replaced"))
            return


def check_start_policy_kept(files, report, shown, rep):
    """COMPLIANCE_REPORT_MISMATCH (FORMAT.md "A pack", step 8; at53), as verify holds it: a report keeping
    one policy, a snapshot's in force at the period's start (from null), for the whole period, while a
    ConfigSnapshot event of the pack's own log (not recovered, no recovered torn write) put another one
    in force. Walked in log order from "as at the start": an event listing the policy file in its
    changed_files and in its paths, of which no policy note says it was not used, is such a change when
    the policy was as at the start. It is no longer as at the start after an event that removed the file,
    one a note says was not used, or one without the lists, and from the start when a note says a snapshot
    whose event is not in the log was not used; a change from there brings it back (it may be a change
    back to the start policy, which export lists alone)."""
    if not isinstance(report, dict) or not isinstance(report.get("policies"), list):
        return
    policies = report["policies"]
    only = policies[0] if len(policies) == 1 else None
    if not isinstance(only, dict) or only.get("source") != "snapshot" or only.get("from") is not None:
        return
    notes = report.get("policy_notes") if isinstance(report.get("policy_notes"), list) else []
    unused = not_used_ids(notes)
    events = policy_events(files)
    logged = {e["snapshot_id"] for e in events}
    as_at_start = all(i in logged for i in unused)
    unchanged_so_far = True
    for e in events:
        changed, paths = path_list(e.get("changed_files")), path_list(e.get("paths"))
        if changed is not None and POLICY_PATH not in changed:
            # fx57a: a repeat before any change, its policy used: the version in force at the start
            # parses and is the start policy, whatever a note says of a snapshot outside the log.
            if unchanged_so_far and repeats_start(e, unused):
                as_at_start = True
            continue
        unchanged_so_far = False
        put = changed is not None and paths is not None and POLICY_PATH in paths and e["snapshot_id"] not in unused
        if put and as_at_start:
            rep.error("COMPLIANCE_REPORT_MISMATCH", shown + "/data/compliance_report.json", None,
                      "the ConfigSnapshot event of snapshot %s in data/audit.jsonl lists %s in its changed_files and records the file (paths), and no policy note says its policy was not used: it put a policy other than the one in force before it in force, yet the report keeps snapshot %s's, in force at the period's start, for the whole period (export lists that policy alone only when every snapshot of the period repeats it)"
                      % (e["snapshot_id"], POLICY_PATH, json.dumps(only.get("snapshot_id"))[:80]))
            return
        as_at_start = put


def check_unparsed_note(snap_raw, report, sid, notes, shown, rep):
    """COMPLIANCE_REPORT_MISMATCH (FORMAT.md "A pack", step 8; at51 F1): a policy note says the policy of
    data/config_snapshot.json's snapshot does not parse, and the report's unparsed_policies holds no text
    of it that is that record's copy of configs/compliance_policy.yaml (its hash, and the SHA-256 of the
    stored copy for a text without [REDACTED]). Whether the text parses is verify's to check: this
    checker has no YAML parser."""
    if not any(says_unparsed(n, sid) for n in notes):
        return
    try:
        snap = strict_json(snap_raw.decode("utf-8"))
    except (AttributeError, RecursionError, ValueError, UnicodeDecodeError):
        return
    files = snap.get("files") if isinstance(snap, dict) else None
    e = files.get(POLICY_PATH) if isinstance(files, dict) else None
    texts = report.get("unparsed_policies")
    u = next((x for x in texts if isinstance(x, dict) and x.get("snapshot_id") == sid), None) if isinstance(texts, list) else None
    name = "the policy note saying snapshot %s's %s does not parse" % (sid, POLICY_PATH)
    if u is None or not all(isinstance(u.get(k), str) for k in ("path", "sha256", "text")):
        why = "the report records no text of it (unparsed_policies), yet data/config_snapshot.json is that snapshot's record"
    elif u["path"] != POLICY_PATH or not isinstance(e, dict) or e.get("stored") is not True or e.get("hash") != u["sha256"]:
        why = "its recorded text is not the %s that data/config_snapshot.json stores" % POLICY_PATH
    elif "[REDACTED]" not in u["text"] and sha256(js_utf8(u["text"])) != (e.get("object") if isinstance(e.get("object"), str) else e.get("hash")):
        why = "its recorded text is not the stored copy data/config_snapshot.json records"
    else:
        return
    rep.error("COMPLIANCE_REPORT_MISMATCH", shown + "/data/compliance_report.json", None, "%s: %s" % (name, why))


def check_policy_of_record(files, report, shown, rep):
    """COMPLIANCE_REPORT_MISMATCH (FORMAT.md "A pack", step 8; at48 F1/F5), as verify holds it: the
    report's `policy` is the last of its `policies` (listed in the order their events take force, the
    last in force after the period's last event); and when data/config_snapshot.json (the chain's last
    ConfigSnapshot event at the period's end, whatever its id's day: a snapshot takes effect where its
    event is filed, at48 F2; not named as not used by a policy note) stores configs/compliance_policy.yaml,
    a `policy` from a snapshot has that record's hash: the policy of record is the one in force at the end."""
    snap_raw = files.get("data/config_snapshot.json")
    if not isinstance(report, dict):
        return
    policy, policies, period = report.get("policy"), report.get("policies"), report.get("period")
    if not isinstance(policy, dict) or not isinstance(policies, list) or not policies or not isinstance(policies[-1], dict):
        return
    last, where = policies[-1], shown + "/data/compliance_report.json"
    if any(policy.get(k) != last.get(k) for k in ("path", "sha256", "snapshot_id", "source")):
        rep.error("COMPLIANCE_REPORT_MISMATCH", where, None, "its policy is not the last of its policies (the one in force at the end of the period)")
        return
    if last.get("source") != "snapshot" or snap_raw is None or len(snap_raw) > MAX_CONFIG_IN_FORCE_BYTES:
        return
    if not isinstance(period, dict) or not isinstance(period.get("to"), str):
        return
    try:
        snap = strict_json(snap_raw.decode("utf-8"))
    except (RecursionError, ValueError, UnicodeDecodeError):
        return
    sid = snap.get("snapshot_id") if isinstance(snap, dict) else None
    e = snap.get("files").get(POLICY_PATH) if isinstance(snap, dict) and isinstance(snap.get("files"), dict) else None
    notes = report.get("policy_notes") if isinstance(report.get("policy_notes"), list) else []
    if not isinstance(sid, str) or not SNAPSHOT_ID.fullmatch(sid) or not isinstance(e, dict):
        return
    if e.get("stored") is not True or e.get("binary") is True or not isinstance(e.get("hash"), str):
        return
    if any(says_not_used(n, sid) for n in notes) or e["hash"] == last.get("sha256"):
        return
    rep.error("COMPLIANCE_REPORT_MISMATCH", where, None,
              "the policy in force at the end of the period (snapshot %s) must be the one data/config_snapshot.json (snapshot %s), the chain's latest at its end, records (sha256 %s)"
              % (shown_id(str(last.get("snapshot_id"))), shown_id(sid), e["hash"]))


PEM_CERT_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----\n((?:[A-Za-z0-9+/=]{1,64}\n)+)-----END CERTIFICATE-----\n")


def x509_shaped(der):
    """DER of one X.509 Certificate, by its outline (RFC 5280 §4.1): a SEQUENCE spanning every byte, of
    tbsCertificate (a SEQUENCE), signatureAlgorithm (a SEQUENCE) and signatureValue (a BIT STRING). The
    signatures are not checked here (auditpack verify reads the certificate; this checker has no X.509)."""
    try:
        tag, s, e = der_item(der, 0)
        parts = der_children(der, s, e) if tag == 0x30 and e == len(der) else []
    except (IndexError, ValueError):
        return False
    return [p[0] for p in parts] == [0x30, 0x30, 0x03]


def canonical_pem_certificates(raw):
    """One or more CERTIFICATE blocks and nothing else, each its DER (an ASN.1 SEQUENCE) in 64-column base64."""
    pos, n = 0, 0
    while pos < len(raw):
        m = PEM_CERT_BLOCK.match(raw, pos)
        if m is None:
            return False
        try:
            der = base64.b64decode(m.group(1).replace(b"\n", b""), validate=True)
        except ValueError:
            return False
        b64 = base64.b64encode(der)
        if not x509_shaped(der) or b"".join(b64[i:i + 64] + b"\n" for i in range(0, len(b64), 64)) != m.group(1):
            return False
        pos, n = m.end(), n + 1
    return n > 0


STATE_FORMAT = "auditpack.compliance-state/1"
HEX64 = re.compile(r"[0-9a-f]{64}")
# Every list of a state and the exact keys of its items (FORMAT.md "Compliance state").
ORDER_KEYS = ["evidence", "filled", "order_id", "overfilled", "price", "quantity", "reference_price", "status",
              "strategy", "symbol", "t_us", "time_in_force", "venue"]
RATE_KEYS = ["breaching", "name", "times_us"]
STATE_LISTS = {
    "kill_switch": ["evidence", "scope"],
    "sessions": ["login_us", "user"],
    "failed_logins": ["flagged_burst_us", "last_us", "times_us", "user"],
    "open_orders": ORDER_KEYS,
    "closed_orders": ORDER_KEYS,
    "risk_checks": ["evidence", "failed", "key", "pass", "reference_price", "t_us"],
    "overrides": ["evidence", "key", "t_us", "text"],
    "decisions": ["approved", "decision", "evidence", "signal_id", "t_us"],
    "recent_orders": ["evidence", "key", "order_id", "t_us"],
    "strategy_rates": RATE_KEYS,
    "venue_rates": RATE_KEYS,
    "clocks": ["last_us", "process"],
}
STATE_KEYS = sorted(["format", "date", "end_us"] + list(STATE_LISTS))
# Written only when a config change waits for its snapshot across midnight (compliance rules 29).
STATE_OPTIONAL_LISTS = {"config_changes": ["evidence", "has_reason", "iso", "t_us", "unstored"]}
EVIDENCE_KEYS = ["file", "line", "line_sha256", "seq"]


def day_before(date):
    y, m, d = map(int, date.split("-"))
    return time.strftime("%Y-%m-%d", time.gmtime(calendar.timegm((y, m, d, 0, 0, 0)) - 86400))


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def state_item_problem(name, item):
    """What is wrong with one item of a state list, or None: its keys, times, evidence."""
    keys = STATE_LISTS.get(name) or STATE_OPTIONAL_LISTS[name]
    if not isinstance(item, dict) or sorted(item) != sorted(keys):
        return "an item of %s does not have exactly the fields %s" % (name, ", ".join(keys))
    for k, v in item.items():
        if k.endswith("_us") and k != "times_us" and not is_int(v):
            return "%s.%s is not an integer (microseconds)" % (name, k)
        if k == "times_us" and not (isinstance(v, list) and all(is_int(t) for t in v)):
            return "%s.times_us is not a list of integers" % name
        if k == "evidence":
            if not isinstance(v, dict) or sorted(v) != EVIDENCE_KEYS:
                return "%s.evidence does not have exactly the fields file, line, line_sha256, seq" % name
            if not isinstance(v["file"], str) or not is_int(v["line"]) or not is_int(v["seq"]) or not (
                    isinstance(v["line_sha256"], str) and HEX64.fullmatch(v["line_sha256"])):
                return "%s.evidence is not a file, a line and seq number and a line SHA-256" % name
    if name == "config_changes" and not (isinstance(item["has_reason"], bool) and isinstance(item["iso"], str) and (
            item["unstored"] is None or isinstance(item["unstored"], str))):
        return "config_changes: has_reason is not true or false, iso not a string or unstored not a string or null"
    return None


def sorted_keys_problem(pairs):
    """object_pairs_hook: every object's keys in JSON.stringify order of the sorted object."""
    keys = [k for k, _ in pairs]
    if keys != js_key_order(keys) or len(set(keys)) != len(keys):
        raise ValueError("keys not sorted (or repeated): " + ", ".join(keys[:8]))
    return dict(pairs)


def state_problem(raw, day):
    """What is wrong with a state file's bytes as the state at the end of `day`, or None."""
    if not raw.endswith(b"\n") or raw.count(b"\n") != 1:
        return "not one line of JSON plus a newline"
    try:
        st = json.loads(raw.decode("utf-8"), parse_constant=_no_constant, object_pairs_hook=sorted_keys_problem)
    except (RecursionError, ValueError, UnicodeDecodeError) as e:
        return "not UTF-8 JSON with every object's keys sorted (%s)" % str(e)[:200]
    if not isinstance(st, dict) or sorted(k for k in st if k not in STATE_OPTIONAL_LISTS) != STATE_KEYS:
        return "does not have exactly the fields " + ", ".join(STATE_KEYS) + " (and config_changes when some wait)"
    if st["format"] != STATE_FORMAT:
        return "format is not " + STATE_FORMAT
    if st["date"] != day:
        return "is the state at the end of %r, not of %s" % (st["date"], day)
    if not is_int(st["end_us"]) or st["end_us"] < 0:
        return "end_us is not a non-negative integer"
    for name in [*STATE_LISTS, *(k for k in STATE_OPTIONAL_LISTS if k in st)]:
        if not isinstance(st[name], list):
            return name + " is not a list"
        for item in st[name]:
            why = state_item_problem(name, item)
            if why is not None:
                return why
    return None


def check_compliance_state(files, date, shown, rep):
    """The carried compliance state of a pack (FORMAT.md "Compliance state"): the end state is the
    state at the end of the pack's day, the start state that at the end of the day before, both in
    the documented shape, and the report's carried_in records the start (its day and SHA-256)."""
    bad = lambda p, why: rep.error("COMPLIANCE_STATE_MISMATCH", shown + "/" + p, None, why)
    start, end = files.get("data/compliance_state_start.json"), files.get("data/compliance_state.json")
    report = None
    try:
        raw = files.get("data/compliance_report.json")
        report = json.loads(raw.decode("utf-8"), parse_constant=_no_constant) if raw is not None else None
    except (RecursionError, ValueError, UnicodeDecodeError):
        report = None  # the report's own shape is auditpack verify's (COMPLIANCE_REPORT_INVALID)
    carried = report.get("carried_in") if isinstance(report, dict) else None
    if start is None and end is None:
        if carried is not None:
            bad("data/compliance_report.json", "records carried_in, but the pack holds no compliance state")
        return
    prev = day_before(date)
    for p, raw, day in (("data/compliance_state_start.json", start, prev), ("data/compliance_state.json", end, date)):
        if raw is None:
            bad(p, "missing while the other compliance state file is there")
            continue
        why = state_problem(raw, day)
        if why is not None:
            bad(p, why)
    if not isinstance(report, dict):
        return
    if not isinstance(carried, dict):
        bad("data/compliance_report.json", "holds no carried_in although the pack holds a compliance state")
        return
    if carried.get("source") not in ("pack", "log", "none") or carried.get("date") != prev:
        bad("data/compliance_report.json", "carried_in is not a source pack, log or none at the end of " + prev)
    log_sha = carried.get("log_sha256")
    if (carried.get("source") == "log") != (isinstance(log_sha, str) and HEX64.fullmatch(log_sha) is not None) or (
            carried.get("source") != "log" and log_sha is not None):
        bad("data/compliance_report.json", "carried_in.log_sha256 is a SHA-256 exactly when the source is log")
    if start is not None and carried.get("state_sha256") != sha256(start):
        bad("data/compliance_report.json", "carried_in.state_sha256 is not the SHA-256 of data/compliance_state_start.json")


def check_manifest_json(man, data_files, listed, date, shown, rep):
    def bad(what):
        rep.error("PACK_MANIFEST_JSON_INVALID", shown, None, what)

    if man.get("format") != "auditpack-pack/1":
        bad("format is not auditpack-pack/1")
    if not (isinstance(man.get("created_at"), str) and ISO_UTC.fullmatch(man["created_at"]) and real_date(man["created_at"][:10])):
        bad("created_at is not an ISO 8601 UTC time")
    if man.get("export_date") != date:
        rep.error("PACK_DATE_MISMATCH", shown, None, "export_date is not the pack's date")
    if not isinstance(man.get("auditpack_version"), str):
        bad("auditpack_version is not a string")
    files = man.get("files")
    if not isinstance(files, dict):
        bad("files is not an object")
        files = {}
    if sorted(files) != sorted(listed):
        bad("files does not list the paths of manifest-sha256.txt")
    for p, e in files.items():
        if not isinstance(e, dict) or e.get("sha256") != listed.get(p) or e.get("size") != len(data_files.get(p, b"")):
            rep.error("PACK_FILE_SIZE_MISMATCH", shown, None, "files[" + p + "] disagrees with the file or manifest-sha256.txt")
    summary = man.get("summary")
    if summary != {"total_files": len(data_files), "total_size": sum(len(b) for b in data_files.values())}:
        rep.error("PACK_SUMMARY_MISMATCH", shown, None, "summary does not add up")
    for key in ("events", "rows", "chain"):
        if not isinstance(man.get(key), dict):
            bad(key + " is not an object")
    for key in ("previous_pack", "supersedes"):
        if man.get(key) is not None and not isinstance(man.get(key), dict):
            bad(key + " is neither null nor an object")


def canonical_armor(sig):
    try:
        text = sig.decode("ascii")
    except UnicodeDecodeError:
        return False
    lines = text.split("\n")
    if len(lines) < 3 or lines[0] != "-----BEGIN SSH SIGNATURE-----" or lines[-1] != "" or lines[-2] != "-----END SSH SIGNATURE-----":
        return False
    body = lines[1:-2]
    if any(len(l) != 70 for l in body[:-1]) or not body or not (0 < len(body[-1]) <= 70):
        return False
    return all(re.fullmatch(r"[A-Za-z0-9+/=]+", l) for l in body)


def signature_holds(sig, data):
    """The signature verifies with the key it carries (ssh-keygen -Y check-novalidate; who signed is
    checked only against trusted keys, see check_signature). True when ssh-keygen is missing."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "tag.sig")
        with open(path, "wb") as fh:
            fh.write(sig)
        try:
            r = subprocess.run(["ssh-keygen", "-Y", "check-novalidate", "-n", "auditpack", "-s", path], input=data, capture_output=True)
        except OSError:
            print("warning: ssh-keygen not found; signatures were not checked", file=sys.stderr)
            return True
        return r.returncode == 0


def line_tree_root(data):
    """RFC 6962 MTH over the log's lines (the unterminated tail too); leaf data = SHA-256 of the line."""
    lines, tail = split_lines(data)
    level = [hashlib.sha256(b"\x00" + hashlib.sha256(raw).digest()).digest() for raw, _ in lines]
    if tail:
        level.append(hashlib.sha256(b"\x00" + hashlib.sha256(tail).digest()).digest())
    n = len(level)
    if n == 0:
        return 0, hashlib.sha256(b"").hexdigest()
    # Pairing left to right and carrying an odd last node up unchanged gives the RFC's tree.
    while len(level) > 1:
        nxt = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return n, level[0].hex()


def check_payload(files, man, date, shown, rep):
    log = files.get("data/audit.jsonl")
    if log is None:
        return
    lt = man.get("line_tree")
    if lt is not None:
        n, root = line_tree_root(log)
        if not isinstance(lt, dict) or lt.get("leaves") != n or lt.get("root") != root:
            rep.error("PACK_LINE_TREE_MISMATCH", shown + "/manifest.json", None, "line_tree is not the RFC 6962 tree of data/audit.jsonl's lines")
    name = shown + "/data/audit.jsonl"
    facts = check_log_bytes(log, name, date, rep, LogState(), True, report_start=False)
    check_derived(files, man, facts["event_lines"], shown, rep)
    chain = man.get("chain") if isinstance(man.get("chain"), dict) else {}
    want = {"first_seq": facts["first_seq"], "last_seq": facts["last_seq"], "start_prev": facts["start_prev"], "end_hash": facts["end_hash"]}
    for k, v in want.items():
        if chain.get(k) != v:
            rep.error("PACK_CHAIN_MISMATCH", shown + "/manifest.json", None, "chain." + k + " is not what the log says")
    events = man.get("events") if isinstance(man.get("events"), dict) else {}
    counts = {"total": facts["events"], "by_category": facts["by_category"], "malformed_lines": facts["malformed"], "late": facts["late"]}
    for k, v in counts.items():
        if events.get(k) != v:
            rep.error("PACK_EVENT_COUNT_MISMATCH", shown + "/manifest.json", None, "events." + k + " is not what the log says")
    rows = man.get("rows") if isinstance(man.get("rows"), dict) else {}
    for csv_name, cat, key in (("orders.csv", "order", "orders"), ("fills.csv", "fill", "fills")):
        data = files.get("data/" + csv_name)
        recs = csv_records(data) if data is not None else None
        if recs is None:
            rep.error("PACK_CSV_INVALID", shown + "/data/" + csv_name, None, "missing or not RFC 4180 with CRLF")
            continue
        seqs = [str(ev["seq"]) for ev, _ in facts["event_lines"] if ev["category"] == cat]
        got = [r[1] if len(r) > 1 else None for r in recs[1:]]
        if rows.get(key) != len(recs) - 1 or len(seqs) != len(recs) - 1:
            rep.error("PACK_ROW_COUNT_MISMATCH", shown + "/data/" + csv_name, None, "rows disagree with the log's %s events" % cat)
        elif got != seqs:
            rep.error("PACK_ROW_COUNT_MISMATCH", shown + "/data/" + csv_name, None, "rows do not hold the seq of the log's %s events in order" % cat)
    alerts = files.get("data/alerts.jsonl")
    if alerts is not None:
        a_lines, a_tail = split_lines(alerts)
        if a_tail or rows.get("alerts") != len(a_lines):
            rep.error("PACK_ROW_COUNT_MISMATCH", shown + "/data/alerts.jsonl", None, "rows.alerts disagrees with alerts.jsonl")
        it = iter(raw for _, raw in facts["event_lines"])
        for i, (raw, _) in enumerate(a_lines):
            if not any(raw == r for r in it):
                rep.error("PACK_ALERT_NOT_IN_LOG", shown + "/data/alerts.jsonl", i + 1, "not an event of the log, in order")
                break


def read_pack_dir(path, rep, shown):
    """{relative path: bytes} of every regular file under a pack directory.

    Walked by directory descriptors (os.fwalk), so a path deeper than PATH_MAX is still seen, and a
    directory that cannot be listed is a finding, never silently skipped."""
    files = {}

    def unreadable(err):
        if isinstance(err, PermissionError):
            raise err  # the checking user may not list it: exit 77 (main), never "files missing"
        where = os.path.relpath(err.filename, path) if isinstance(err.filename, str) else "?"
        rep.error("READ_FAILED", shown + "/" + where.replace(os.sep, "/")[:200], None, "cannot be read: " + err.strerror)

    for root, dirs, names, rootfd in os.fwalk(path, onerror=unreadable, follow_symlinks=False):
        rel_root = os.path.relpath(root, path).replace(os.sep, "/")
        prefix = "" if rel_root == "." else rel_root + "/"
        for d in list(dirs):
            if stat.S_ISLNK(os.stat(d, dir_fd=rootfd, follow_symlinks=False).st_mode):
                rep.error("NOT_A_REGULAR_FILE", shown + "/" + prefix + d, None, "a symbolic link")
                dirs.remove(d)
            elif (prefix == "" and d != "data") or prefix == "data/":
                # A pack's only directory is data/: any other, empty or not, is reported once, where it
                # starts (what is inside is walked and judged as before). FORMAT.md "Layout".
                rep.error("PACK_FILE_UNEXPECTED", shown + "/" + prefix + d, None,
                          "a directory the format does not define (only data/)")
        for n in names:
            rel = prefix + n
            try:
                fd = os.open(n, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=rootfd)
            except PermissionError:
                raise
            except OSError:
                rep.error("NOT_A_REGULAR_FILE", shown + "/" + rel, None, "not a regular file")
                continue
            with os.fdopen(fd, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    rep.error("NOT_A_REGULAR_FILE", shown + "/" + rel, None, "not a regular file")
                    continue
                # A file the layout does not define is an error whatever it holds, and is never read: a
                # sparse terabyte costs no disk and would fill memory (at58 F8). Its bytes stand as empty.
                files[rel] = layout_read(rel, fh) if rel in LAYOUT_FILES else b""
    return files


def contents_date(files, name, shown, rep):
    """The date a pack is checked against when its name carries none (FORMAT.md "A pack", item 4):
    its own export_date, said in an info finding; a name that is a date must be that date."""
    m = PACK_NAME.fullmatch(name)
    if m is not None:
        return m.group(1)
    try:
        date = json.loads(files.get("manifest.json") or b"null").get("export_date")
    except (ValueError, AttributeError, RecursionError):
        date = None
    if not (isinstance(date, str) and real_date(date)):
        rep.error("PACK_MANIFEST_JSON_INVALID", shown, None, "export_date is not a date YYYY-MM-DD")
        return None
    rep.add("info", "PACK_DATE_FROM_CONTENTS", shown, None,
            "%s is not named YYYY-MM-DD[.vN]: the pack's dates were checked against its export_date %s" % (name[:200], date))
    return date


def check_pack_dir(path, rep, shown=None):
    name = os.path.basename(os.path.normpath(path))
    shown = shown or name
    files = read_pack_dir(path, rep, shown)
    return check_pack_files(files, shown, contents_date(files, name, shown, rep), rep)


# ---------------------------------------------------------------------------------------------
# The pack's exact file set, canonical manifest.json, and the payload derived from the log
# (FORMAT.md "Layout", "manifest.json", "orders.csv and fills.csv", "Payload files")
# ---------------------------------------------------------------------------------------------

PAYLOAD_REQUIRED = ["alerts.jsonl", "audit.jsonl", "config.diff", "config_snapshot.json", "fills.csv", "orders.csv"]
# The compliance files and the carried compliance state (FORMAT.md "Compliance state"): hashed with the
# payload like every file; the states' shape and their record in the report are checked here
# (check_compliance_state), and an artifacts directory holds each start to the day before's end
# (check_carries); the states are not replayed (that is auditpack verify's re-run).
PAYLOAD_OPTIONAL = ["compliance_findings.csv", "compliance_report.json", "compliance_state.json",
                    "compliance_state_start.json", "report.html"]
# Per config file, the snapshot record in force at the day's end (FORMAT.md "config_in_force.json"):
# packs made before it, or without a log, do not have it; checked here (check_config_in_force).
PAYLOAD_CHECKED_OPTIONAL = ["config_in_force.json"]
ROOT_FILES = ["bag-info.txt", "bagit.txt", "manifest-sha256.txt", "manifest.json", "tagmanifest-sha256.txt",
              "tagmanifest-sha256.txt.sig", "tagmanifest-sha256.txt.tsr", "tsa-certs.pem"]
LAYOUT_FILES = set(ROOT_FILES) | {"data/" + n for n in PAYLOAD_REQUIRED + PAYLOAD_OPTIONAL + PAYLOAD_CHECKED_OPTIONAL}
# The files at a pack's root and the most any of them can hold (auditpack verify's bounds): read up to
# one byte past it, so a larger one (a sparse file costs no disk) is judged too large without being read
# whole; what it then holds is no valid file of its kind, an error of that file's check.
ROOT_BOUNDS = {"bag-info.txt": 64 * 1024, "bagit.txt": 4 * 1024, "manifest-sha256.txt": 1024 * 1024,
               "manifest.json": 4 * 1024 * 1024, "tagmanifest-sha256.txt": 64 * 1024,
               "tagmanifest-sha256.txt.sig": 64 * 1024, "tagmanifest-sha256.txt.tsr": 32 * 1024,
               "tsa-certs.pem": 256 * 1024}


def read_bounded_root(pack_dir, name):
    """A root file of a pack directory, read as read_pack_dir reads it (to one byte past its bound)."""
    with open(os.path.join(pack_dir, name), "rb") as fh:
        return layout_read(name, fh)


def layout_read(rel, fh):
    """A layout file's bytes: whole, but a root one only up to one byte past its bound."""
    bound = ROOT_BOUNDS.get(rel)
    return fh.read() if bound is None else fh.read(bound + 1)
MANIFEST_FIELDS = ["format", "created_at", "export_date", "auditpack_version", "files", "summary", "events", "rows",
                   "chain", "previous_pack", "supersedes", "alert_filter", "inserted_before"]
NESTED_KEYS = {
    "summary": ["total_files", "total_size"],
    "events": ["total", "by_category", "malformed_lines", "late"],
    "rows": ["orders", "fills", "alerts"],
    "chain": ["first_seq", "last_seq", "start_prev", "end_hash"],
    "previous_pack": ["export_date", "manifest_sha256"],
    "supersedes": ["manifest_sha256", "moved_to"],
    "alert_filter": ["categories", "events", "severities"],
    "inserted_before": ["export_date", "manifest_sha256"],
    "line_tree": ["leaves", "root"],
}
ISO_MS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")
VERSION = re.compile(r"[0-9]{1,9}\.[0-9]{1,9}\.[0-9]{1,9}(-[0-9A-Za-z.-]{1,64})?(\+[0-9A-Za-z.-]{1,64})?")
ORDER_COLUMNS = ["iso_ts", "seq", "event", "order_id", "symbol", "side", "quantity", "price"]
FILL_COLUMNS = ["iso_ts", "seq", "event", "order_id", "deal_id", "symbol", "side", "quantity", "price"]
NOT_IN_EXTRA = ["ts", "iso_ts", "seq", "category", "event", "prev"]
NUMERIC_COLUMNS = ("seq", "quantity", "price")
DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def real_instant(text):
    """A `YYYY-MM-DDTHH:MM:SS.sssZ` that names a real instant (as Date.prototype.toISOString writes)."""
    if not isinstance(text, str) or not ISO_MS.fullmatch(text) or not real_date(text[:10]):
        return False
    h, mi, s = int(text[11:13]), int(text[14:16]), int(text[17:19])
    return h < 24 and mi < 60 and s < 60


def js_key_order(keys):
    """JavaScript's own-property order of an object built from `keys` sorted as bytes: array
    indices first, in numeric order, then the other keys in the order given."""
    keys = sorted(keys, key=lambda k: k.encode("utf-8", "surrogatepass"))
    idx = [k for k in keys if re.fullmatch(r"0|[1-9][0-9]*", k) and int(k) < 2 ** 32 - 1]
    return sorted(idx, key=int) + [k for k in keys if k not in idx]


def check_file_set(files, listed, shown, rep):
    """Exactly the files of the format: nothing else, none of the required ones missing."""
    for p in sorted(files):
        if p.startswith("data/"):
            if p[5:] not in PAYLOAD_REQUIRED + PAYLOAD_OPTIONAL + PAYLOAD_CHECKED_OPTIONAL:
                rep.error("PACK_FILE_UNEXPECTED", shown + "/" + p, None, "not a payload file of the format")
        elif p not in ROOT_FILES:
            rep.error("PACK_FILE_UNEXPECTED", shown + "/" + p, None, "not a file of the format")
    for n in PAYLOAD_REQUIRED:
        if "data/" + n not in files and "data/" + n not in listed:
            rep.error("PACK_FILE_MISSING", shown + "/data/" + n, None, "a payload file every pack has is missing")
    # Re-running the compliance checks is auditpack's own (FORMAT.md "A pack", step 8): this checker
    # does not do it, and says so rather than let "intact" cover those files.
    present = [n for n in PAYLOAD_OPTIONAL if "data/" + n in files]
    if present:
        rep.add("info", "COMPLIANCE_NOT_CHECKED", shown + "/data", None,
                "%s: hashed with the payload, but not re-derived from the log here; run auditpack verify" % ", ".join(present))


def check_canonical_manifest(man, files, date, shown, rep):
    """Fields, key order, created_at, auditpack_version, alert_filter, inserted_before; and the
    bag-info.txt values that repeat them."""

    def bad(what):
        rep.error("PACK_MANIFEST_JSON_INVALID", shown + "/manifest.json", None, what)

    # `partial` (true) is the one optional field, right after export_date: a pack of a day not yet ended.
    fields = MANIFEST_FIELDS[:3] + ["partial"] + MANIFEST_FIELDS[3:] if "partial" in man else MANIFEST_FIELDS
    # `line_tree` and then `csv_rules` are last and optional: packs made before they existed do not have them.
    if "line_tree" in man:
        fields = fields + ["line_tree"]
    if "csv_rules" in man:
        fields = fields + ["csv_rules"]
    if list(man.keys()) != fields:
        bad("the fields are not exactly " + ", ".join(fields) + " in this order")
    if "partial" in man and man["partial"] is not True:
        bad("partial is present but not true")
    if "csv_rules" in man and (type(man["csv_rules"]) is not int or man["csv_rules"] not in CSV_RULES_RECORDED):
        bad("csv_rules is present but not 2 or 3")
    for k, keys in NESTED_KEYS.items():
        v = man.get(k)
        if isinstance(v, dict) and list(v.keys()) != keys:
            bad(k + " has other keys or another order than " + ", ".join(keys))
    f = man.get("files")
    if isinstance(f, dict):
        if list(f.keys()) != js_key_order(f.keys()):
            bad("files is not sorted")
        for p, e in f.items():
            if not isinstance(e, dict) or list(e.keys()) != ["size", "sha256", "modified"] or not real_instant(e.get("modified")):
                bad("files[" + p + "] is not {size, sha256, modified}")
    ev = man.get("events")
    if isinstance(ev, dict) and isinstance(ev.get("by_category"), dict) and list(ev["by_category"].keys()) != js_key_order(ev["by_category"].keys()):
        bad("events.by_category is not sorted")
    if not real_instant(man.get("created_at")):
        bad("created_at is not an instant YYYY-MM-DDTHH:MM:SS.sssZ")
    version = man.get("auditpack_version")
    if not (isinstance(version, str) and VERSION.fullmatch(version)):
        bad("auditpack_version is not a version string")
    af = man.get("alert_filter")
    if not (isinstance(af, dict) and all(isinstance(af.get(k), list) and all(isinstance(x, str) for x in af[k]) for k in ("categories", "events", "severities"))):
        bad("alert_filter is not {categories, events, severities} of strings")
    ib = man.get("inserted_before")
    if ib is not None and not (isinstance(ib, dict) and real_date(ib.get("export_date")) and isinstance(ib.get("manifest_sha256"), str)
                               and re.fullmatch(r"[0-9a-f]{64}", ib["manifest_sha256"]) and ib["export_date"] > date):
        bad("inserted_before is neither null nor a link to a later pack")
    info = files.get("bag-info.txt")
    if info is not None:
        try:
            values = dict(l.split(": ", 1) for l in info.decode("utf-8").split("\n") if ": " in l)
        except UnicodeDecodeError:
            values = {}
        if isinstance(man.get("created_at"), str) and values.get("Bagging-Date") not in (None, man["created_at"][:10]):
            rep.error("PACK_BAG_INFO_INVALID", shown + "/bag-info.txt", None, "Bagging-Date is not created_at's date")
        if isinstance(version, str) and values.get("Auditpack-Version") not in (None, version):
            rep.error("PACK_BAG_INFO_INVALID", shown + "/bag-info.txt", None, "Auditpack-Version is not manifest.json's")


def skip_ws(text, i):
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def top_level_entries(text):
    """[(key, start of the key's quote, start of the value, end of the value)] of a JSON object
    line, duplicates included, in order: the raw text of every member, as export slices it."""
    dec = json.JSONDecoder()
    out = []
    i = skip_ws(text, text.index("{") + 1)
    while i < len(text) and text[i] == '"':
        ks = i
        key, i = json.decoder.scanstring(text, i + 1)
        i = skip_ws(text, i) + 1  # ':'
        vs = skip_ws(text, i)
        _, ve = dec.raw_decode(text, vs)
        out.append((key, ks, vs, ve))
        i = skip_ws(text, ve)
        if i < len(text) and text[i] == ",":
            i = skip_ws(text, i + 1)
        else:
            break
    return out


def quote_if_needed(s):
    return '"' + s.replace('"', '""') + '"' if any(c in s for c in '",\r\n') else s


# FORMAT.md "Formula injection": a formula character at the start of a text cell and, under CSV
# rules 2, after a `;` or `;"` (Excel in `;`-separator locales splits a cell at `;`) gets a `'`;
# under rules 3 also after a CR or LF, or CR/LF and `"` (such a reader ends the record there);
# in JSON text (extra, an object in a column) a `;` before = + - @ is written as \u003b.
CSV_RULES_RECORDED = (2, 3)
AFTER_SEMICOLON = re.compile(r';("?)(?=[=+\-@\t\r])')
AFTER_BREAK = re.compile(r'([;\r\n])("?)(?=[=+\-@\t\r])')
JSON_SEMICOLON = re.compile(r';(?=[=+\-@])')


def neutralise(s, rules):
    t = ("'" + s) if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s
    if rules >= 3:
        return AFTER_BREAK.sub(r"\1\2'", t)
    return AFTER_SEMICOLON.sub(r";\1'", t) if rules >= 2 else t


def json_text(raw, rules):
    return JSON_SEMICOLON.sub(r"\\u003b", raw) if rules >= 2 else raw


def csv_row(text, columns, rules=3):
    """One record of orders.csv / fills.csv as export derives it from the line's text."""
    entries = top_level_entries(text)
    last = {}
    for e in entries:
        last[e[0]] = e
    cells = []
    for c in columns:
        e = last.get(c)
        if e is None:
            cells.append("")
            continue
        raw = text[e[2]:e[3]]
        if raw == "null":
            cells.append("")
        elif raw.startswith('"'):
            s = json.loads(raw)
            if c in NUMERIC_COLUMNS and DECIMAL.fullmatch(s):
                cells.append(s)
            else:
                cells.append(quote_if_needed(neutralise(s, rules)))
        else:
            cells.append(quote_if_needed(json_text(raw, rules)))
    skip = set(columns) | set(NOT_IN_EXTRA)
    extra = [json_text(text[ks:ve], rules) for key, ks, _, ve in entries if key not in skip]
    cells.append('"{' + ",".join(extra).replace('"', '""') + '}"' if extra else "")
    return ",".join(cells) + "\r\n"


def is_alert(text, ev, flt):
    cat, name = ev.get("category"), ev.get("event")
    if cat in flt["categories"]:
        return True
    for rule in flt["events"]:
        dot = rule.find(".")
        if dot > 0 and rule[:dot] == cat and rule[dot + 1:] == name:
            return True
    sev = None
    for key, _, vs, ve in top_level_entries(text):
        if key == "severity":
            sev = text[vs:ve]
    if sev is not None and sev.startswith('"'):
        return json.loads(sev).upper() in {s.upper() for s in flt["severities"]}
    return False


def check_derived(files, man, event_lines, shown, rep):
    """orders.csv, fills.csv and alerts.jsonl are byte for byte what export derives from the log."""
    orders = [",".join(ORDER_COLUMNS) + ",extra\r\n"]
    fills = [",".join(FILL_COLUMNS) + ",extra\r\n"]
    alerts = []
    flt = man.get("alert_filter")
    flt_ok = isinstance(flt, dict) and all(isinstance(flt.get(k), list) for k in ("categories", "events", "severities"))
    cr = man.get("csv_rules")
    rules = cr if type(cr) is int and cr in CSV_RULES_RECORDED else 1  # absent: made before rules 2
    for ev, raw in event_lines:
        text = raw.decode("utf-8")
        if ev.get("category") == "order":
            orders.append(csv_row(text, ORDER_COLUMNS, rules))
        elif ev.get("category") == "fill":
            fills.append(csv_row(text, FILL_COLUMNS, rules))
        if flt_ok and is_alert(text, ev, flt):
            alerts.append(raw + b"\n")
    # A lone surrogate (an escaped "\ud800" in the log) becomes U+FFFD in UTF-8, as in JavaScript (js_utf8).
    for name, want in (("orders.csv", js_utf8("".join(orders))), ("fills.csv", js_utf8("".join(fills)))):
        got = files.get("data/" + name)
        if got is not None and got != want:
            rep.error("PACK_CSV_MISMATCH", shown + "/data/" + name, None, "not what export derives from data/audit.jsonl")
    got = files.get("data/alerts.jsonl")
    if flt_ok and got is not None and got != b"".join(alerts):
        rep.error("PACK_ALERTS_MISMATCH", shown + "/data/alerts.jsonl", None, "not the lines the recorded alert_filter selects")


# ---------------------------------------------------------------------------------------------
# The archive's evidence (FORMAT.md "What a prune leaves behind", "Back-filling a missed day")
# ---------------------------------------------------------------------------------------------


def recovered_at(lines, i):
    """Whether complete line `i` of `lines` (split_lines) is a recovered torn write: the TornLineRecovered
    right after it describes it, so it is never an event (FORMAT.md "Torn lines and recovery", rule 4;
    the file's name is not asked, as for a recovery in a pack)."""
    if i + 1 >= len(lines) or b'"TornLineRecovered"' not in lines[i + 1][0]:
        return False
    raw, off = lines[i]
    rec = read_event(lines[i + 1][0])[0]
    return rec is not None and rec["recovery"] and recovery_problem(rec["rec"], raw, off, None) is None


def log_events(data, event, category="system"):
    """The `category`/`event` events among the complete lines of a log's bytes (None: none), as dicts;
    a line that is no JSON object is passed over (verify's log check reports it), and so is a recovered
    torn write: a line that the TornLineRecovered right after it describes is never an event (FORMAT.md
    "Torn lines and recovery", rule 4; the file's name is not known here, as for a recovery in a pack)."""
    if data is None:
        return
    marker = ('"%s"' % event).encode("utf-8")
    lines = split_lines(data)[0]
    for i, (raw, off) in enumerate(lines):
        if marker not in raw or recovered_at(lines, i):
            continue
        try:
            e = strict_json(raw.decode("utf-8"))
        except (RecursionError, ValueError, UnicodeDecodeError):
            continue
        if isinstance(e, dict) and e.get("category") == category and e.get("event") == event:
            yield e


def pack_log_bytes(pack_dir):
    """The bytes of a pack directory's data/audit.jsonl when it is a regular file (no link), else None."""
    p = os.path.join(pack_dir, "data", "audit.jsonl")
    if not os.path.isfile(p) or os.path.islink(p):
        return None
    return open(p, "rb").read()


def prune_events(pack_dir):
    """(date, path, manifest_sha256) of the PackPruned events in a pack's log."""
    out = []
    for e in log_events(pack_log_bytes(pack_dir), "PackPruned"):
        if isinstance(e.get("date"), str) and isinstance(e.get("path"), str):
            sha = e.get("manifest_sha256") if isinstance(e.get("manifest_sha256"), str) else None
            out.append((e["date"], e["path"], sha))
    return out


def export_events(data, name):
    """(log day, seq, date, manifest_sha256, where, timestamped) of the PackExported events in a pack's log bytes."""
    out = []
    for e in log_events(data, "PackExported"):
        if isinstance(e.get("date"), str) and isinstance(e.get("manifest_sha256"), str) \
                and isinstance(e.get("seq"), int) and not isinstance(e.get("seq"), bool):
            out.append((name[:10], e["seq"], e["date"], e["manifest_sha256"], name + "/data/audit.jsonl", e.get("timestamped") is True))
    return out


def newest_covered(packs, current):
    """Epoch ms up to which the newest current pack's log can record an export: its creation, at most
    the end of its day."""
    newest = current[-1]
    made = instant_ms(packs[newest][0].get("created_at"))
    day_end = (days_from_civil(*map(int, newest[:10].split("-"))) + 1) * 86400000
    return day_end if made is None else min(made, day_end)


def instant_ms(text):
    """Epoch milliseconds of a `YYYY-MM-DDTHH:MM:SS.sssZ`, or None."""
    if not real_instant(text):
        return None
    return calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")) * 1000 + int(text[20:23])


def stamp_events(data, name):
    """(log day, seq, manifest_sha256, tsa_serial, tsa_time, event, where) of the time-stamps a pack's log
    records (FORMAT.md "An artifacts directory"): PackTimestamped events, and PackExported events that
    say "timestamped": true (tsa_serial/tsa_time None when an older export did not record them); a
    recovered torn write is none (recovered_at)."""
    out = []
    if data is None:
        return out
    lines, _ = split_lines(data)
    for i, (raw, _) in enumerate(lines):
        if b'"PackTimestamped"' not in raw and b'"timestamped"' not in raw:
            continue
        if recovered_at(lines, i):
            continue
        try:
            e = strict_json(raw.decode("utf-8"))
        except (RecursionError, ValueError, UnicodeDecodeError):
            continue
        if not isinstance(e, dict) or e.get("category") != "system" or not isinstance(e.get("manifest_sha256"), str) \
                or not isinstance(e.get("seq"), int) or isinstance(e.get("seq"), bool):
            continue
        if e.get("event") == "PackTimestamped" or (e.get("event") == "PackExported" and e.get("timestamped") is True):
            serial = e.get("tsa_serial") if isinstance(e.get("tsa_serial"), str) else None
            at = e.get("tsa_time") if isinstance(e.get("tsa_time"), str) else None
            out.append((name[:10], e["seq"], e["manifest_sha256"], serial, at, e["event"], name + "/data/audit.jsonl"))
    return out


def der_item(b, i):
    """(tag, content start, content end) of the DER item at i."""
    tag, n = b[i], b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4:
            raise ValueError("DER length")
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    if i + n > len(b):
        raise ValueError("DER truncated")
    return tag, i, i + n


def der_children(b, start, end):
    out = []
    while start < end:
        item = der_item(b, start)
        out.append(item)
        start = item[2]
    return out


def token_facts(data):
    """(serial hex, genTime as YYYY-MM-DDTHH:MM:SS.sssZ) of a TimeStampResp's TSTInfo (RFC 3161), or None."""
    try:
        _, s, e = der_item(data, 0)
        resp = der_children(data, s, e)  # status, timeStampToken (ContentInfo)
        ci = der_children(data, resp[1][1], resp[1][2])  # contentType, [0] SignedData
        sd_outer = der_children(data, ci[1][1], ci[1][2])[0]
        sd = der_children(data, sd_outer[1], sd_outer[2])  # version, digestAlgorithms, encapContentInfo, ...
        enc = der_children(data, sd[2][1], sd[2][2])  # eContentType, [0] OCTET STRING
        octets = der_children(data, enc[1][1], enc[1][2])[0]
        tst_outer = der_item(data, octets[1])
        tst = der_children(data, tst_outer[1], tst_outer[2])  # version, policy, imprint, serial, genTime
        serial = data[tst[3][1]:tst[3][2]].hex()
        g = data[tst[4][1]:tst[4][2]].decode("ascii")
        m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z", g)
        if tst[3][0] != 0x02 or tst[4][0] != 0x18 or m is None:
            return None
        ms = ((m.group(7) or "") + "000")[:3]
        return serial, "%s-%s-%sT%s:%s:%s.%sZ" % (m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6), ms)
    except (IndexError, ValueError, UnicodeDecodeError):
        return None


OID_SIGNED_DATA = bytes.fromhex("2a864886f70d010702")  # 1.2.840.113549.1.7.2
OID_TST_INFO = bytes.fromhex("2a864886f70d0109100104")  # 1.2.840.113549.1.9.16.1.4
OID_SHA256 = bytes.fromhex("608648016503040201")  # 2.16.840.1.101.3.4.2.1
MAX_TOKEN_BYTES = 32 * 1024


def token_imprint(data):
    """(hash algorithm OID, hashed message) of a granted TimeStampResp holding a SignedData of one
    signer over a TSTInfo (RFC 3161 §2.4.2, RFC 5652 §5), or None when it is not one."""
    try:
        if not 0 < len(data) <= MAX_TOKEN_BYTES:
            return None
        tag, s, e = der_item(data, 0)
        if tag != 0x30 or e != len(data):
            return None  # not DER, or bytes after the response
        resp = der_children(data, s, e)  # status (PKIStatusInfo), timeStampToken (ContentInfo)
        status = der_children(data, resp[0][1], resp[0][2])[0]
        if status[0] != 0x02 or data[status[1]:status[2]] not in (b"\x00", b"\x01"):
            return None  # not granted
        ci = der_children(data, resp[1][1], resp[1][2])
        if data[ci[0][1]:ci[0][2]] != OID_SIGNED_DATA or ci[1][0] != 0xA0:
            return None
        sd_outer = der_children(data, ci[1][1], ci[1][2])[0]
        sd = der_children(data, sd_outer[1], sd_outer[2])
        enc = der_children(data, sd[2][1], sd[2][2])
        if data[enc[0][1]:enc[0][2]] != OID_TST_INFO or enc[1][0] != 0xA0:
            return None
        if sd[-1][0] != 0x31 or len(der_children(data, sd[-1][1], sd[-1][2])) != 1:
            return None  # signerInfos: exactly one signer
        octets = der_children(data, enc[1][1], enc[1][2])[0]
        tst_outer = der_item(data, octets[1])
        tst = der_children(data, tst_outer[1], tst_outer[2])  # version, policy, messageImprint, …
        imprint = der_children(data, tst[2][1], tst[2][2])  # AlgorithmIdentifier, OCTET STRING
        alg = der_children(data, imprint[0][1], imprint[0][2])[0]
        return data[alg[1]:alg[2]], data[imprint[1][1]:imprint[1][2]]
    except (IndexError, ValueError):
        return None


def check_pack_token(token, tagmanifest, label, rep):
    """A pack's time-stamp token: a granted response whose message imprint is the SHA-256 of
    tagmanifest-sha256.txt (FORMAT.md "Checking tokens", steps 1 and 2). The TSA's signature, its
    certificate and the times (steps 3 to 6) need CMS and X.509 this checker does not implement: an
    info finding says so (openssl ts -verify, or auditpack verify --tsa-ca, checks them)."""
    if token is None:
        return
    shown = label("tagmanifest-sha256.txt.tsr")
    facts = token_imprint(token)
    if facts is None:
        rep.error("TIMESTAMP_MALFORMED", shown, None, "not a granted time-stamp response holding one signed TSTInfo (%d bytes)" % len(token))
    elif facts[0] != OID_SHA256:
        rep.error("TIMESTAMP_IMPRINT_MISMATCH", shown, None, "the message imprint is not SHA-256")
    elif facts[1] != hashlib.sha256(tagmanifest).digest():
        rep.error("TIMESTAMP_IMPRINT_MISMATCH", shown, None, "the token is over SHA-256 %s, tagmanifest-sha256.txt's is %s (a token for other bytes)" % (facts[1].hex()[:64], hashlib.sha256(tagmanifest).hexdigest()))
    else:
        rep.add("info", "TIMESTAMP_NOT_CHECKED", shown, None, "over this tag manifest; the TSA's signature, certificate and time are not checked here: run openssl ts -verify, or auditpack verify --tsa-ca")


def check_recorded_tokens(path, packs, stamps, rep, tars=None, untokened_tars=()):
    """Every pack directory (any version) held to the time-stamps the chain recorded for its manifest:
    no token is TIMESTAMP_RECORDED_MISSING; a token none of them names (serial and time) when each
    names one is TIMESTAMP_RECORD_MISMATCH; a later one while the first is gone TIMESTAMP_REANCHORED.
    A .tar.gz with no token is TIMESTAMP_RECORDED_MISSING when a PackExported event records its
    manifest as time-stamped, or a PackTimestamped one does and no pack directory of it is left
    (anchor --pack time-stamps the directory; the tar made at export never had the token)."""
    def what(r):
        tok = " (token serial %s, TSA time %s)" % (r[3], r[4]) if r[3] is not None else ""
        return "the %s event seq %d in %s%s" % (r[5], r[1], r[6], tok)

    def records_of(h):
        seen, records = set(), []
        for r in sorted(stamps, key=lambda r: (r[0], r[1])):
            if r[2] == h and (r[0], r[1]) not in seen:
                seen.add((r[0], r[1]))
                records.append(r)
        return records
    dir_shas = {h for _, h in packs.values() if h}
    for t, h in sorted((tars or {}).items()):
        records = records_of(h) if h and t in untokened_tars else []
        held = next((r for r in records if r[5] == "PackExported"), None)
        if held is None and records and h not in dir_shas:
            held = records[0]
        if held is not None:
            rep.error("TIMESTAMP_RECORDED_MISSING", t + ".tar.gz/tagmanifest-sha256.txt.tsr", None, "%s records this manifest as time-stamped, but %s.tar.gz holds no token%s" % (what(held), t, "" if held[5] == "PackExported" else " and no pack directory of it is left: the time-stamped directory was removed after its token was recorded"))
    for n, (_, h) in sorted(packs.items()):
        records = records_of(h)
        if h is None or not records:
            continue
        shown = n + "/tagmanifest-sha256.txt.tsr"
        tsr = os.path.join(path, shown)
        if not os.path.isfile(tsr):
            rep.error("TIMESTAMP_RECORDED_MISSING", shown, None, "%s records this manifest as time-stamped, but the pack holds no token: it was removed after it was recorded" % what(records[0]))
            continue
        facts = token_facts(open(tsr, "rb").read(65536))
        if facts is None:
            continue
        match = [r for r in records if (r[3], r[4]) == facts]
        if not match:
            if all(r[3] is not None for r in records):
                rep.error("TIMESTAMP_RECORD_MISMATCH", shown, None, "the token (serial %s, TSA time %s) is none of those the chain recorded for this manifest (%s): the token was swapped" % (facts[0], facts[1], "; ".join(what(r) for r in records)))
        elif match[0] is not records[0] and records[0][3] != facts[0]:
            rep.warning("TIMESTAMP_REANCHORED", shown, None, "the token is the one %s recorded, but %s recorded an earlier one, which is gone" % (what(match[0]), what(records[0])))


def check_export_events(packs, tars, current, removed, events, rep):
    """FORMAT.md "An artifacts directory" 9, from the packs' own logs: every PackExported event names a
    pack of the archive (any version or .tar.gz) or a pruned.jsonl entry of its day, and the newest export
    of each day (in chain order: the log's day, then seq) is that day's current version."""
    have = {(n[:10], h) for n, (_, h) in packs.items() if h} | {(n[:10], h) for n, h in tars.items()}
    have |= {(e["export_date"], e["manifest_sha256"]) for e in removed if isinstance(e.get("manifest_sha256"), str)}
    recorded = {(ev[2], ev[3]) for ev in events}
    cur = {n[:10]: packs[n][1] for n in current}
    seen = set()
    for _, seq, date, sha, where, _ in sorted(events):
        if (date, sha) in have or (date, sha) in seen:
            continue
        seen.add((date, sha))
        if cur.get(date) is not None and (date, cur[date]) not in recorded:
            rep.error("ARCHIVE_EXPORT_MISMATCH", date + "/manifest.json", None, "the PackExported event seq %d in %s records another manifest of this day: the pack was changed after it was exported" % (seq, where))
        else:
            rep.error("ARCHIVE_PACK_MISSING", date, None, "the PackExported event seq %d in %s records a pack of this day that is neither here nor in pruned.jsonl: a pack removed without a prune" % (seq, where))
    if not current:
        return
    newest = current[-1]
    covered = newest_covered(packs, current)
    for n in current:
        h = packs[n][1]
        day = sorted(ev for ev in events if ev[2] == n[:10])
        if h is not None and not day and n != newest and made_in_packs_logs(packs, current, n):
            rep.warning("ARCHIVE_EXPORT_UNRECORDED", n + "/manifest.json", None, "no PackExported event of this day is in the packs' logs, though the log of the day it was made is: its export was not recorded (an export killed before recording it, or a pack put there: auditpack export --date %s keeps it aside as a .vN version, unvouched, and exports the day afresh)" % n[:10])
        if h is None or not day or day[-1][3] == h:
            continue
        last = day[-1]
        if any(ev[3] == h for ev in day):
            rep.error("ARCHIVE_EXPORT_MISMATCH", n + "/manifest.json", None, "a later PackExported event (seq %d in %s) records another manifest of this day: the current version is not the newest export (a re-export rolled back)" % (last[1], last[4]))
            continue
        made_n = instant_ms(packs[n][0].get("created_at"))
        if made_n is not None and made_n < covered:
            rep.error("ARCHIVE_EXPORT_MISMATCH", n + "/manifest.json", None, "the packs' logs record exports of this day (the last: seq %d in %s), none of this current version: put in place without an export" % (last[1], last[4]))
        elif n != newest:
            rep.warning("ARCHIVE_EXPORT_UNRECORDED", n + "/manifest.json", None, "no export event in the packs' logs names this version, made after the newest pack's log ends: only the live log can show it was exported")


def vouch_packs(packs, tars, logs):
    """The packs (directory names, .tar.gz names) whose logs the chain vouches for (FORMAT.md "An
    artifacts directory"): the current pack directories, then, until nothing changes, every version or
    .tar.gz whose day and manifest hash an event of a vouched log records, or that holds a vouched
    pack's manifest. A planted version's own log is never believed."""
    sha_of = {n: h for n, (_, h) in packs.items()}
    sha_of.update({n + ".tar.gz": h for n, h in tars.items()})
    vouched = set(n for n in packs if ".v" not in n)
    while True:
        recorded = {(ev[2], ev[3]) for n in vouched if n in logs for ev in logs[n][0]}
        held = {(n[:10], sha_of[n]) for n in vouched if sha_of.get(n)}
        more = [n for n, h in sha_of.items() if n not in vouched and h and ((n[:10], h) in recorded or (n[:10], h) in held)]
        if not more:
            return vouched
        vouched.update(more)


def read_regular(p):
    """The bytes of the regular file at p, opened without following a symbolic link in its last
    component and without blocking; OSError for a link, FIFO, device or directory. The archive checks
    read a pack's files a second time by path: a pack's link, FIFO or device is NOT_A_REGULAR_FILE in
    its own check and must not be read through here (a link to a FIFO never ends, one to /dev/zero
    fills memory)."""
    fd = os.open(p, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", p)
        return fh.read()


def line_hash_at(log_path, seq):
    """The SHA-256 of the line with that seq in a pack's log (None: not there, or unreadable); a recovered
    torn write is no event (recovered_at): its seq is the recovery's."""
    try:
        data = read_regular(log_path)
    except OSError:
        return None
    lines = split_lines(data)[0]
    for i, (raw, _) in enumerate(lines):
        m = re.match(rb'\{"ts":[^,]*,"iso_ts":"[^"]*","seq":(\d+),', raw)
        if m is not None and int(m.group(1)) == seq and not recovered_at(lines, i):
            return sha256(raw)
    return None


def excused_versions(items, vouched, logs, ours_of):
    """The unvouched versions an honest crash leaves (FORMAT.md "An artifacts directory"): their log is
    the chain's and a recorded pack (its manifest in an event of a vouched log), or a version excused so,
    names their manifest in `supersedes` (the re-run keeps the killed export's pack aside and names it).
    When the vouched logs record no export at all, every version whose log is the chain's is."""
    recorded = {(ev[2], ev[3]) for n in vouched if n in logs for ev in logs[n][0]}
    named = set()

    def name_by(day, man):
        sup = man.get("supersedes") if isinstance(man, dict) else None
        if isinstance(sup, dict) and isinstance(sup.get("manifest_sha256"), str):
            named.add((day, sup["manifest_sha256"]))

    for n, man, h in items:
        if n in vouched and (n[:10], h) in recorded:
            name_by(n[:10], man)
    excused = set()
    grew = True
    while grew:
        grew = False
        for n, man, h in items:
            if n in vouched or n in excused or not h or ours_of.get(n) is not True:
                continue
            if recorded and (n[:10], h) not in named:
                continue
            excused.add(n)
            name_by(n[:10], man)
            grew = True
    return excused


VERSION_MAX = 999999


def check_unvouched(path, packs, tars, tar_mans, current, vouched, rep, logs):
    """Every version (or .tar.gz) no vouched event records: ARCHIVE_VERSION_UNRECORDED, an error when its
    log is not the chain's (not the start of its day's current pack's log; an honest version holds
    that day's log) or when it is named .v999999 (no export moves a pack there), else a warning when
    an honest crash leaves it (excused_versions), an error when not (a pack put there, built from a
    prefix of the real log, or held by no current pack). Else a version made after the newest pack's
    log ends is not judged: only the live log, which this checker does not read, can record it."""
    if not current:
        return
    covered = newest_covered(packs, current)
    items = [(n, packs[n][0], packs[n][1]) for n in packs] + [(n + ".tar.gz", tar_mans.get(n), h) for n, h in tars.items()]
    ours_of = {}
    for n, man, h in items:
        if n in vouched or not h:
            continue
        cur = n[:10] if n[:10] in packs and packs[n[:10]][0] is not None else None
        ours_of[n] = chain_is_current(path, man, packs[cur][0], cur) if cur else None
    excused = excused_versions(items, vouched, logs, ours_of)
    for n, man, h in sorted(items, key=lambda x: x[0]):
        if n in vouched or not h:
            continue
        made_n = instant_ms(man.get("created_at")) if isinstance(man, dict) else None
        file = n if n.endswith(".tar.gz") else n + "/manifest.json"
        ours = ours_of.get(n)
        version = re.match(r"^\d{4}-\d{2}-\d{2}\.v(\d+)", n)
        what = "no PackExported event in the vouched packs' logs records this version's manifest"
        if version is not None and int(version.group(1)) >= VERSION_MAX:
            rep.error("ARCHIVE_VERSION_UNRECORDED", file, None, what + "; no export makes .v%d (no version is left after it): put there" % VERSION_MAX)
        elif ours is False:
            rep.error("ARCHIVE_VERSION_UNRECORDED", file, None, what + "; its log is not the chain's (not the start of the current pack's): a pack put there, not exported from this log")
        elif made_n is None or made_n >= covered:
            continue  # made after the newest pack's log ends: only the live log can record it
        elif n in excused:
            rep.warning("ARCHIVE_VERSION_UNRECORDED", file, None, what + "; its log is the start of the current pack's and a recorded pack names it in supersedes: an export killed before its event, kept aside by the re-run, or a pack built from the real log put in place before it: look at it")
        elif ours:
            rep.error("ARCHIVE_VERSION_UNRECORDED", file, None, what + "; its log is the start of the current pack's, but no recorded pack names it in supersedes: a pack built from (a prefix of) the real log and put there")
        else:
            rep.error("ARCHIVE_VERSION_UNRECORDED", file, None, what + ", and no current pack of its day holds its log to the chain")


def chain_is_current(path, man, cur_man, cur):
    """Whether a version's chain is the start of its day's current pack's chain (None: the current pack has none)."""
    vc = man.get("chain") if isinstance(man, dict) and isinstance(man.get("chain"), dict) else None
    cc = cur_man.get("chain") if isinstance(cur_man, dict) and isinstance(cur_man.get("chain"), dict) else None
    if cc is None:
        return None
    if vc is None:
        return False
    if vc.get("last_seq") is None:
        return vc.get("first_seq") is None
    if vc.get("first_seq") != cc.get("first_seq") or vc.get("start_prev") != cc.get("start_prev"):
        return False
    if not isinstance(vc.get("last_seq"), int) or not isinstance(cc.get("last_seq"), int) or vc["last_seq"] > cc["last_seq"]:
        return False
    if vc["last_seq"] == cc["last_seq"]:
        return vc.get("end_hash") == cc.get("end_hash")
    return line_hash_at(os.path.join(path, cur, "data", "audit.jsonl"), vc["last_seq"]) == vc.get("end_hash")


def made_in_packs_logs(packs, current, n):
    """Whether the log of the day pack n was made is in the archive: a current pack of that day, made later."""
    made = packs[n][0].get("created_at") if isinstance(packs[n][0], dict) else None
    if not isinstance(made, str) or len(made) < 10:
        return False
    for m in current:
        c = packs[m][0].get("created_at") if isinstance(packs[m][0], dict) else None
        if m[:10] == made[:10] and isinstance(c, str) and c > made:
            return True
    return False


def is_backfill_before(man, date, upto, known):
    ib = man.get("inserted_before") if isinstance(man, dict) else None
    return isinstance(ib, dict) and date < ib.get("export_date", "") <= upto and known.get(ib.get("manifest_sha256")) == ib.get("export_date")


def day_number(date):
    return days_from_civil(*map(int, date.split("-")))


def newest_log_removal(path, current):
    """The newest day whose log file a LogPruned event in the current packs' logs records as removed (newest pack first)."""
    for n in reversed(current):
        dates = [e["date"] for e in log_events(pack_log_bytes(os.path.join(path, n)), "LogPruned") if real_date(e.get("date"))]
        if dates:
            return max(dates)
    return None


def pack_span(packs, n):
    """A current pack's span of the chain: (day, first_seq, start_prev, last_seq, end_hash, name), Nones where absent."""
    c = packs[n][0].get("chain") if isinstance(packs[n][0], dict) else None
    c = c if isinstance(c, dict) else {}
    first = c.get("first_seq") if is_int(c.get("first_seq")) and isinstance(c.get("start_prev"), str) else None
    last = c.get("last_seq") if is_int(c.get("last_seq")) and isinstance(c.get("end_hash"), str) else None
    return (n[:10], first, c.get("start_prev") if first is not None else None, last, c.get("end_hash") if last is not None else None, n)


def removal_ends(path, n):
    """Where each removed day file a LogPruned event of pack n's log records ended, as spans with no start."""
    out = []
    for e in log_events(pack_log_bytes(os.path.join(path, n)), "LogPruned"):
        if real_date(e.get("date")) and is_int(e.get("last_seq")) and e["last_seq"] >= 1 and isinstance(e.get("end_hash"), str):
            out.append((e["date"], None, None, e["last_seq"], e["end_hash"], "%s's removed log file (LogPruned in %s)" % (e["date"], n)))
    return out


def linked_across(path, packs, current, ends, day):
    """The two spans the chain links directly across day, or None: the newest current pack ending before it
    and the oldest starting after it (its first line follows the former's last), or else that pack after it
    and the removed day file before it whose end a LogPruned event of the packs' logs records (looked for
    newest pack first, up to the first holding a removal older than the pack after). Then nothing was logged
    on that day: a prune chains its PackPruned events before removing a pack, so no prune ran on it. ends:
    a cache of removal_ends by pack name."""
    spans = [pack_span(packs, n) for n in current]
    before = max((s for s in spans if s[0] < day and s[3] is not None), key=lambda s: s[0], default=None)
    after = min((s for s in spans if s[0] > day and s[1] is not None), key=lambda s: s[0], default=None)
    if after is None:
        return None

    def follows(b):
        return after[1] == b[3] + 1 and after[2] == b[4]

    if before is not None and follows(before):
        return before[5], after[5]
    for n in reversed(current):
        if n not in ends:
            ends[n] = removal_ends(path, n)
        older = [e for e in ends[n] if e[0] < after[0]]
        if older:
            end = next((e for e in older if e[0] < day and follows(e)), None)
            return None if end is None else (end[5], after[5])
    return None


KEPT_PACK_NAME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(\.v[0-9]+)?")


def kept_records(path, current):
    """The newest day a chained record of the current packs' logs says each pack (date, path) was kept
    because it did not verify: a system/PackKept event (the day of its iso_ts), or a system/LogPruned event
    whose kept_unverified list names it (the removed file's date). (day, where) by (date, path)."""
    out = {}

    def note(k, day, where):
        if k not in out or day > out[k][0]:
            out[k] = (day, where)

    for n in current:
        data = pack_log_bytes(os.path.join(path, n))
        for e in log_events(data, "PackKept"):
            ts = e.get("iso_ts")
            if isinstance(ts, str) and real_date(ts[:10]) and isinstance(e.get("date"), str) and isinstance(e.get("path"), str):
                note((e["date"], e["path"]), ts[:10], "a PackKept event in %s's log" % n)
        for e in log_events(data, "LogPruned"):
            items = e.get("kept_unverified")
            if not real_date(e.get("date")) or not isinstance(items, list):
                continue
            for it in items[:100000]:
                if isinstance(it, dict) and isinstance(it.get("date"), str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", it["date"]) \
                        and isinstance(it.get("path"), str) and KEPT_PACK_NAME.fullmatch(it["path"]):
                    note((it["date"], it["path"]), e["date"], "the LogPruned event of %s's file in %s's log (kept_unverified)" % (e["date"], n))
    return out


def kept_after(k, prune_day, kept, packs, entries, current):
    """The record saying the pack of ledger key k was still kept after prune_day, or None: none is newer,
    or a pack of that name is here, or another line of the same pack claims a prune on that day or later."""
    pth = k[1] or k[0]
    rec = kept.get((k[0], pth))
    if rec is None or rec[0] < prune_day or pth in packs:
        return None
    # Kept on the claimed prune day itself: an honest prune late that day chains its PackPruned in the
    # file of that day or the next; excused only when no current pack of either day is read (one that is
    # would hold the event, and the line would be recorded).
    if rec[0] == prune_day and not any(n[:10] in (prune_day, time.strftime("%Y-%m-%d", time.gmtime(calendar.timegm(time.strptime(prune_day, "%Y-%m-%d")) + 86400))) for n in current):
        return None
    for _, ok, opa, _ in entries:
        if ok is not k and ok[0] == k[0] and (ok[1] or ok[0]) == pth and isinstance(opa, str) and ISO_UTC.fullmatch(opa) \
                and real_date(opa[:10]) and opa[:10] >= rec[0]:
            return None
    return rec


def check_ledger(path, packs, current, ledger_lines, rep, now, tar_names=()):
    """Every pruned.jsonl entry has its chained PackPruned event, and every event its entry. A line
    whose event log retention removed (its prune day has no pack left, a LogPruned event of the packs'
    logs records that day's file or a later one removed, and it was pruned after its day plus the
    retention it claims) is an info; one whose removal no pack's log records yet is a warning. One whose
    prune day the packs' logs link across (nothing was logged that day) is an error."""
    events = set()
    for n in current:
        events.update(prune_events(os.path.join(path, n)))
    entries = []
    for i, (raw, _) in enumerate(ledger_lines):
        try:
            e = strict_json(raw.decode("utf-8"))
        except (RecursionError, ValueError, UnicodeDecodeError):
            continue
        if isinstance(e, dict) and real_date(e.get("export_date")):
            sha = e.get("manifest_sha256") if isinstance(e.get("manifest_sha256"), str) else None
            r = e.get("retention_days")
            r = r if isinstance(r, int) and not isinstance(r, bool) and 0 <= r <= 1000000 else 0
            entries.append((i + 1, (e["export_date"], e.get("path") if isinstance(e.get("path"), str) else "", sha), e.get("pruned_at"), r))
    covered = [k in events for _, k, _, _ in entries]
    last_covered = max([i for i, c in enumerate(covered) if c], default=-1)
    newest = packs[current[-1]][0] if current else None
    made = newest.get("created_at") if isinstance(newest, dict) else None
    # Retention prunes the oldest days first: an entry for a day newer than a kept pack is no prune
    # awaiting its event, whatever pruned_at it claims (the day: the later of export_date and path's).
    oldest = min((n[:10] for n in packs), default=None)
    pack_days = {n[:10] for n in packs} | {n[:10] for n in tar_names}
    removal = []
    retired = []
    ends = {}
    kept = None
    for i, (line, k, pruned_at, retention) in enumerate(entries):
        if covered[i]:
            continue
        # Its pack still here, the same manifest: a prune stopped before recording it removed nothing.
        if k[1] in packs and k[2] is not None and packs[k[1]][1] == k[2] and k[0] == k[1][:10]:
            rep.warning("ARCHIVE_PRUNE_INTERRUPTED", "pruned.jsonl", line, "no PackPruned event, and the pack is still here: a prune stopped before recording it")
            continue
        day = max(k[0], k[1][:10] if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(\.v[0-9]+)?", k[1]) else "")
        # (An entry whose pack is still there removed nothing: a prune killed before removing it. Only an
        # entry of that pack's own day: prune writes both from one pack.)
        awaiting = (i > last_covered and (oldest is None or day <= oldest or (k[1] in packs and k[1][:10] == k[0])) and isinstance(pruned_at, str) and ISO_UTC.fullmatch(pruned_at) and pruned_at[:19] <= now
                    and (newest is None or not isinstance(made, str) or pruned_at[:23] > made[:23] or pruned_at[:10] > current[-1][:10]))
        out_of_order = oldest is not None and day > oldest and not (k[1] in packs and k[1][:10] == k[0])
        if awaiting:
            rep.warning("ARCHIVE_PRUNE_AWAITING_EVIDENCE", "pruned.jsonl", line, "no PackPruned event in any pack yet")
        elif (not out_of_order and isinstance(pruned_at, str) and ISO_UTC.fullmatch(pruned_at) and real_date(pruned_at[:10]) and pruned_at[:19] <= now
              and day_number(pruned_at[:10]) > day_number(day) + retention and pruned_at[:10] not in pack_days):
            # A chained record says the pack was still kept (it did not verify) after the claimed prune.
            if kept is None:
                kept = kept_records(path, current)
            rec = kept_after(k, pruned_at[:10], kept, packs, entries, current)
            if rec is not None:
                rep.error("ARCHIVE_PRUNE_UNRECORDED", "pruned.jsonl", line, "no PackPruned event, and %s says the pack was still kept on %s (it did not verify), after its claimed prune on %s: it was deleted by hand" % (rec[1], rec[0], pruned_at[:10]))
                continue
            # Its event was in the log of its prune day: no pack of that day is left to hold it.
            across = linked_across(path, packs, current, ends, pruned_at[:10])
            if across is not None:
                rep.error("ARCHIVE_PRUNE_UNRECORDED", "pruned.jsonl", line, "no PackPruned event, and the chain links %s's last line directly to %s's first: nothing was logged on its prune day %s, so no prune ran that day" % (across[0], across[1], pruned_at[:10]))
                continue
            if not removal:
                removal.append(newest_log_removal(path, current))
            if removal[0] is not None and removal[0] >= pruned_at[:10]:
                retired.append(line)
            else:
                rep.warning("ARCHIVE_PRUNE_EVIDENCE_PRUNED", "pruned.jsonl", line, "no PackPruned event, and no LogPruned event in the packs' logs records its prune day's log file removed yet: give the live logs to auditpack verify --log-dir")
        else:
            rep.error("ARCHIVE_PRUNE_UNRECORDED", "pruned.jsonl", line, "a ledger entry without its PackPruned event in the chain")
    # A pack the chain says is kept (it did not verify) is here, or a ledger line or PackPruned event
    # accounts for it: else it was deleted by hand without even a ledger line.
    if kept is None:
        kept = kept_records(path, current)
    accounted = {(k[0], k[1] or k[0]) for _, k, _, _ in entries} | {(ev[0], ev[1]) for ev in events}
    for (d, pth), rec in sorted(kept.items()):
        # A kept pack here as <name>.tar.gz is here too (verified as such).
        if pth not in packs and pth not in tar_names and (d, pth) not in accounted:
            rep.error("ARCHIVE_PACK_MISSING", pth if KEPT_PACK_NAME.fullmatch(pth) else "pruned.jsonl", None,
                      "%s says the pack %s (of %s) was kept on %s because it did not verify, and it is neither here nor in pruned.jsonl: deleted by hand" % (rec[1], json.dumps(pth), d, rec[0]))
    if retired:
        rep.add("info", "ARCHIVE_PRUNE_EVIDENCE_PRUNED", "pruned.jsonl", retired[0], "%d line(s) whose PackPruned events log retention removed with their prune days' log files and packs" % len(retired))
    keys = {k for _, k, _, _ in entries}
    for ev in sorted(events, key=lambda x: (x[0], x[1], x[2] or "")):
        if ev not in keys:
            rep.error("ARCHIVE_LEDGER_INCOMPLETE", "pruned.jsonl", None, "a PackPruned event of %s has no ledger line" % ev[1])


def check_mixed_signing(path, names, rep):
    signed = [n for n in names if os.path.isfile(os.path.join(path, n, "tagmanifest-sha256.txt.sig"))]
    if signed and len(signed) < len(names):
        for n in names:
            if n not in signed:
                rep.warning("ARCHIVE_MIXED_SIGNING", n, None, "not signed, while other packs are")


# ---------------------------------------------------------------------------------------------
# .tar.gz packs (FORMAT.md "Versions, crashes and retention"; "A pack", last paragraph)
# ---------------------------------------------------------------------------------------------


class TarTooLarge(Exception):
    pass


# The bounds of FORMAT.md "A pack" (auditpack's TAR_BOUNDS, src/fsx/tar-read.ts): entries, the bytes
# of one pax header or GNU long name, and the expansion (64 times the file's size plus 64 MiB).
TAR_MAX_ENTRIES = 10000
TAR_MAX_RECORD = 64 * 1024
TAR_MAX_EXPANSION = 64
TAR_EXPANSION_SLACK = 64 << 20
MAX_USTAR_SIZE = 0o77777777777


class BoundedTarInfo(tarfile.TarInfo):
    """tarfile's member, held to the bounds and to one reading of the stream: a pax `size` record
    must be a number equal to the header's size (unless too large for the header, which then holds 0),
    else readers that honour pax headers and readers that do not would frame different files."""

    def _proc_pax(self, tf):
        if self.type == tarfile.XGLTYPE:
            raise tarfile.ReadError("a pax global header: readers disagree on the entries it applies to")
        if self.size > TAR_MAX_RECORD:
            raise tarfile.ReadError("a pax header of %d bytes exceeds the bound of %d" % (self.size, TAR_MAX_RECORD))
        return super()._proc_pax(tf)

    def _proc_gnulong(self, tf):
        if self.size > TAR_MAX_RECORD:
            raise tarfile.ReadError("a GNU long name of %d bytes exceeds the bound of %d" % (self.size, TAR_MAX_RECORD))
        return super()._proc_gnulong(tf)

    def _apply_pax_info(self, pax_headers, encoding, errors):
        if "size" in pax_headers:
            v = pax_headers["size"]
            if not re.fullmatch(r"[0-9]{1,15}", v):
                raise tarfile.ReadError("a pax size record that is not a number")
            if int(v) != self.size and not (self.size == 0 and int(v) > MAX_USTAR_SIZE):
                raise tarfile.ReadError(
                    "a pax size record (%d) other than its header's size (%d): readers would disagree on the entry's bytes"
                    % (int(v), self.size)
                )
        super()._apply_pax_info(pax_headers, encoding, errors)


class GzipStream(io.RawIOBase):
    """Decompresses a gzip file as it is read, never more than `budget` bytes in all (a bomb stops)."""

    def __init__(self, fh, budget):
        self.fh, self.budget, self.total = fh, budget, 0
        self.d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self.pending = b""
        # Offset of the last byte that is not zero in what was decompressed so far (-1: none yet).
        self.last_nonzero = -1

    def readable(self):
        return True

    def chunk(self):
        while True:
            if self.d.unconsumed_tail:
                out = self.d.decompress(self.d.unconsumed_tail, 1 << 20)
            elif self.d.eof:
                return b""
            else:
                raw = self.fh.read(1 << 16)
                if not raw:
                    return b""
                out = self.d.decompress(raw, 1 << 20)
            if out:
                self.total += len(out)
                if self.total > self.budget:
                    raise TarTooLarge()
                kept = len(out) if out[-1] else len(out.rstrip(b"\0"))
                if kept:
                    self.last_nonzero = self.total - len(out) + kept - 1
                return out

    def readinto(self, b):
        if not self.pending:
            self.pending = self.chunk()
        n = min(len(b), len(self.pending))
        b[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n

    def trailing(self):
        """After the tar: the rest of the stream (tar padding) drained; whether bytes follow the gzip stream."""
        while self.pending or self.chunk():
            self.pending = b""
        return not self.d.eof or bool(self.d.unused_data) or bool(self.fh.read(1))


def read_tar_gz(path, rep, shown, roots=None):
    """{relative path: bytes} of a .tar.gz pack, or None; trailing data is a finding.

    Streamed: the archive is decompressed as the tar is read, and never to more than 64 times its
    own size (plus 64 MiB), so a gzip bomb costs bounded memory and time and is a finding."""
    name = os.path.basename(path)
    # A superseded YYYY-MM-DD.vN.tar.gz keeps the entries it was made with, under YYYY-MM-DD/.
    tops = {name[: -len(".tar.gz")], name[:10]}
    if PACK_NAME.fullmatch(name[: -len(".tar.gz")]) is None:
        # An archive copied under another name: its one top directory is its first entry's.
        tops = None
    files = {}
    try:
        with open(path, "rb") as fh:
            budget = TAR_MAX_EXPANSION * os.fstat(fh.fileno()).st_size + TAR_EXPANSION_SLACK
            gz = GzipStream(fh, budget)
            with tarfile.open(fileobj=io.BufferedReader(gz, 1 << 16), mode="r|", tarinfo=BoundedTarInfo) as tf:
                count = 0
                for m in tf:
                    count += 1
                    if count > TAR_MAX_ENTRIES:
                        raise tarfile.ReadError("more than %d entries" % TAR_MAX_ENTRIES)
                    parts = m.name.rstrip("/").split("/")
                    if tops is None:
                        tops = {parts[0]}
                        if roots is not None:
                            roots.append(parts[0])
                    if parts[0] not in tops or any(p in ("", ".", "..") for p in parts) or m.name.startswith("/"):
                        rep.error("PACK_PATH_UNSAFE", m.name, None, "an entry outside the pack's one top directory (or with \"..\" or an absolute path); not used")
                        continue
                    rel = "/".join(parts[1:])
                    if m.isdir():
                        continue
                    # A sparse entry is expanded by sparse-aware readers and read as stored by others.
                    sparse = m.issparse() or any(k.startswith("GNU.sparse.") for k in m.pax_headers)
                    if sparse or not m.isreg():
                        kind = "sparse" if sparse else "symlink" if m.issym() else "hardlink" if m.islnk() else "other"
                        rep.error("NOT_A_REGULAR_FILE", rel or m.name, None, "a %s entry in the archive; not followed" % kind)
                        continue
                    if rel in files:
                        # Which copy a reader sees depends on the tool (tar -x keeps the last, -k the first).
                        rep.error("PACK_TAR_INVALID", rel, None, "appears twice in the archive; the last copy was checked")
                    files[rel] = layout_read(rel, tf.extractfile(m))
                end = tf.offset  # where the end-of-archive marker (a zero block) starts
            if gz.trailing():
                rep.error("PACK_TAR_INVALID", shown, None, "bytes follow the gzip stream (an appended member or trailing data)")
            if gz.last_nonzero >= end:
                # Only zeros (tar's record padding) may follow the marker: tar --ignore-zeros reads on
                # and would extract an entry put there, which nothing checked.
                rep.error("PACK_TAR_INVALID", shown, None, "bytes that are not zeros follow the end-of-archive marker")
    except TarTooLarge:
        rep.error(
            "PACK_TAR_INVALID", shown, None, "decompresses to more than 64 times its size plus 64 MiB (a gzip bomb?); not read further"
        )
        return None
    except (OSError, zlib.error) as e:
        rep.error("PACK_TAR_INVALID", shown, None, "not a gzip file: " + str(e))
        return None
    except (tarfile.TarError, EOFError) as e:
        rep.error("PACK_TAR_INVALID", shown, None, "not a tar archive: " + str(e))
        return None
    return files


def check_pack_tar(path, rep, shown=None):
    name = os.path.basename(path)
    shown = shown or name
    m = PACK_NAME.fullmatch(name[: -len(".tar.gz")]) if name.endswith(".tar.gz") else None
    roots = []
    files = read_tar_gz(path, rep, shown, roots)
    if files is None:
        return None
    # Named for its date, or else by its one top directory (what it was exported as), or else
    # checked against its own export_date (as a directory is).
    date = m.group(1) if m is not None else contents_date(files, roots[0] if roots else "", shown, rep)
    return check_pack_files(files, shown, date, rep)


# ---------------------------------------------------------------------------------------------
# The artifacts directory (FORMAT.md "Verifying / An artifacts directory")
# ---------------------------------------------------------------------------------------------


def carried_back_fill(path, n, prev, packs, start):
    """A day exported before the day before's current pack is a back-fill only when it did not start
    from that pack: its report's carried_in.source is log or none, or its start is what a superseded
    version (prev.vN) ends with. A day that says it carried the pack but starts from a state no version
    of it ended with took a forged state (an error, whatever was re-exported since)."""
    try:
        carried = strict_json(read_regular(os.path.join(path, n, "data", "compliance_report.json"))).get("carried_in")
        source = carried.get("source") if isinstance(carried, dict) else None
    except (RecursionError, OSError, ValueError, AttributeError):
        return False
    if source in ("log", "none"):
        return True
    if source != "pack":
        return False
    want = sha256(open(start, "rb").read())
    for v in packs:
        e = os.path.join(path, v, "data", "compliance_state.json")
        if v.startswith(prev + ".v") and os.path.isfile(e) and not os.path.islink(e):
            if sha256(open(e, "rb").read()) == want:
                return True
    return False


def check_carries(path, packs, current, rep):
    """The compliance state carries day to day (FORMAT.md "Compliance state", "An artifacts directory"):
    a day's data/compliance_state_start.json is byte for byte the day before's data/compliance_state.json
    when both current packs hold one. The states themselves are not parsed or replayed here."""
    for n in current:
        y, m, d = map(int, n.split("-"))
        prev = time.strftime("%Y-%m-%d", time.gmtime(calendar.timegm((y, m, d, 0, 0, 0)) - 86400))
        if prev not in current:
            continue
        a = os.path.join(path, n, "data", "compliance_state_start.json")
        b = os.path.join(path, prev, "data", "compliance_state.json")
        if not all(os.path.isfile(p) and not os.path.islink(p) for p in (a, b)):
            continue
        if sha256(open(a, "rb").read()) == sha256(open(b, "rb").read()):
            continue
        made, prev_made = packs[n][0].get("created_at"), packs[prev][0].get("created_at")
        before = isinstance(made, str) and isinstance(prev_made, str) and made < prev_made
        before = before and carried_back_fill(path, n, prev, packs, a)
        rep.add("warning" if before else "error", "COMPLIANCE_CARRY_MISMATCH", n + "/data/compliance_state_start.json", None,
                "not the state the pack of %s ends with%s" % (prev, " (exported before it: re-export %s)" % n if before else ""))


POLICY_PATH = "configs/compliance_policy.yaml"
SNAPSHOT_ID = re.compile(r"[0-9]{8}T[0-9]{6}\.[0-9]{6}Z-[0-9]{3}")


def config_snapshot_events(path, name):
    """{(snapshot_id, record_sha256)} of the config/ConfigSnapshot events of a pack directory's log
    (not `recovered`: such an event vouches for nothing, FORMAT.md "The audit event")."""
    try:
        data = read_regular(os.path.join(path, name, "data", "audit.jsonl"))
    except OSError:
        return set()
    return {(e["snapshot_id"], e["record_sha256"]) for e in log_events(data, "ConfigSnapshot", "config")
            if e.get("recovered") is not True and isinstance(e.get("snapshot_id"), str) and isinstance(e.get("record_sha256"), str)}


def policy_not_in_force(path, n):
    """(snapshot id, record sha256, detail) when pack n's report ends under the built-in policy or a
    file of another hash while its data/config_snapshot.json stores a usable configs/compliance_policy.yaml
    (FORMAT.md "A pack", step 8); else None."""
    try:
        snap_raw = read_regular(os.path.join(path, n, "data", "config_snapshot.json"))
        report = strict_json(read_regular(os.path.join(path, n, "data", "compliance_report.json")).decode("utf-8"))
    except (OSError, RecursionError, ValueError, UnicodeDecodeError):
        return None
    return report_not_in_force(snap_raw, report)


def pack_holder_not_in_force(path, n):
    """holder_not_in_force of pack directory n's files (FORMAT.md "A pack", step 8); else None."""
    try:
        d = os.path.join(path, n, "data")
        cif_raw = read_regular(os.path.join(d, "config_in_force.json"))
        snap_raw = read_regular(os.path.join(d, "config_snapshot.json"))
        report = strict_json(read_regular(os.path.join(d, "compliance_report.json")).decode("utf-8"))
    except (OSError, RecursionError, ValueError, UnicodeDecodeError):
        return None
    return holder_not_in_force(cif_raw, snap_raw, report)


def report_not_in_force(snap_raw, report):
    """policy_not_in_force of a pack's config_snapshot.json bytes and its parsed report."""
    try:
        snap = strict_json(snap_raw.decode("utf-8"))
    except (AttributeError, RecursionError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(report, dict) or not isinstance(snap, dict):
        return None
    policies, period = report.get("policies"), report.get("period")
    last = policies[-1] if isinstance(policies, list) and policies else None
    sid, files = snap.get("snapshot_id"), snap.get("files")
    if not isinstance(last, dict) or last.get("source") == "snapshot" or not isinstance(period, dict) or not isinstance(period.get("to"), str):
        return None
    if not isinstance(sid, str) or not SNAPSHOT_ID.fullmatch(sid) or not isinstance(files, dict):
        return None
    e = files.get(POLICY_PATH)
    notes = report.get("policy_notes") if isinstance(report.get("policy_notes"), list) else []
    if not isinstance(e, dict) or e.get("stored") is not True or e.get("binary") is True or not isinstance(e.get("hash"), str):
        return None
    if any(says_not_used(x, sid) for x in notes) or e["hash"] == last.get("sha256"):
        return None
    claimed = "the built-in policy" if last.get("source") == "built-in" else "a policy file of sha256 %s" % str(last.get("sha256"))[:80]
    return sid, sha256(snap_raw), "snapshot %s (data/config_snapshot.json), whose ConfigSnapshot event the chain records, stores %s with sha256 %s, yet the report ends under %s" % (sid, POLICY_PATH, e["hash"], claimed)


def check_policies_in_force(path, packs, vouched, rep):
    """COMPLIANCE_REPORT_MISMATCH (FORMAT.md "A pack", step 8; at51 F2, a warning COMPLIANCE_POLICY_NOT_IN_FORCE
    before): a pack directory's report ends under
    another policy than the one its data/config_snapshot.json stores, and a ConfigSnapshot event of that
    record (with its SHA-256) is in the log of another vouched current pack, of the snapshot's
    day or the day after: that recorded snapshot was in force. A record no chained event records decides
    nothing."""
    for n in sorted(packs):
        q = policy_not_in_force(path, n) or pack_holder_not_in_force(path, n)
        if q is None:
            continue
        sid, sha, detail = q
        day = "%s-%s-%s" % (sid[0:4], sid[4:6], sid[6:8])
        y, m, d = map(int, day.split("-"))
        after = time.strftime("%Y-%m-%d", time.gmtime(calendar.timegm((y, m, d, 0, 0, 0)) + 86400))
        # The pack's own log is check_policy_notes's (a pack verified alone too).
        where = [v for v in (day, after) if v != n and v in vouched and v in packs]
        if any((sid, sha) in config_snapshot_events(path, w) for w in where):
            rep.error("COMPLIANCE_REPORT_MISMATCH", n + "/data/compliance_report.json", None, detail)
    # at45 F1: a note calling the pack's own snapshot record missing, that snapshot's event not in the
    # pack's own log (check_policy_notes judges that), but in the vouched log of its day or the day after.
    for n in sorted(packs):
        q = lost_note_of_earlier_day(path, n)
        if q is None:
            continue
        sid, sha = q
        y, m, d = int(sid[0:4]), int(sid[4:6]), int(sid[6:8])
        day = "%04d-%02d-%02d" % (y, m, d)
        after = time.strftime("%Y-%m-%d", time.gmtime(calendar.timegm((y, m, d, 0, 0, 0)) + 86400))
        if any((sid, sha) in config_snapshot_events(path, w) for w in (day, after) if w != n and w in vouched and w in packs):
            rep.error("COMPLIANCE_REPORT_MISMATCH", n + "/data/compliance_report.json", None,
                      "a policy note says snapshot %s's record or its recording is missing, yet data/config_snapshot.json is that record and the ConfigSnapshot event of it in the log of the current pack of its day or the day after logs its record_sha256 %s: the note is false, and it would unbind that snapshot's policy" % (sid, sha))


def lost_note_of_earlier_day(path, n):
    """(snapshot id, record sha256) when pack n's report has a note calling its data/config_snapshot.json's
    snapshot record missing (says_record_missing) and no ConfigSnapshot event of that snapshot is in the
    pack's own log (a snapshot of an earlier day); else None. The hash is the record's, or the one
    config_in_force.json's config_snapshot_redacted_again gives."""
    files = {}
    for f in ("compliance_report.json", "config_snapshot.json", "config_in_force.json", "audit.jsonl"):
        try:
            files["data/" + f] = read_regular(os.path.join(path, n, "data", f))
        except OSError:
            pass
    own, _ = config_snapshot_of(files.get("data/config_snapshot.json"))
    if own is None or not isinstance(own[0], str) or not SNAPSHOT_ID.fullmatch(own[0]) or "data/compliance_report.json" not in files:
        return None
    try:
        report = strict_json(files["data/compliance_report.json"].decode("utf-8"))
        cif = strict_json(files["data/config_in_force.json"].decode("utf-8")) if "data/config_in_force.json" in files else None
    except (RecursionError, ValueError, UnicodeDecodeError):
        return None
    notes = report.get("policy_notes") if isinstance(report, dict) else None
    if not isinstance(notes, list) or not any(says_record_missing(x, own[0]) for x in notes):
        return None
    held = own[1]
    again = cif.get("config_snapshot_redacted_again") if isinstance(cif, dict) else None
    if isinstance(again, dict) and again.get("snapshot_id") == own[0] and isinstance(again.get("record_sha256"), str):
        held = again["record_sha256"]
    if any(e.get("snapshot_id") == own[0] for e in log_events(files.get("data/audit.jsonl"), "ConfigSnapshot", "config")
           if e.get("recovered") is not True):
        return None
    return own[0], held


def removed_a_pack(e, packs):
    """False for a ledger entry whose path is a pack of another day than its export_date, or names a
    pack still here with the manifest the entry names (FORMAT.md "What a prune leaves behind")."""
    p = e.get("path")
    m = PACK_NAME.fullmatch(p) if isinstance(p, str) else None
    if m is None:
        return True
    return m.group(1) == e["export_date"] and not (p in packs and packs[p][1] is not None and packs[p][1] == e.get("manifest_sha256"))


def check_archive(path, rep, review_signers=None, allowed_signers=None, min_retention=None):
    packs = {}  # name -> (manifest, manifest bytes hash)
    tars = {}
    review_tags = {}  # manifest hash -> (pack name, tag manifest hash), for the review records
    ledger_ok = False
    # Per pack (directory or .tar.gz): the PackExported events of its log and the time-stamps it
    # records; only the logs the chain vouches for are believed (vouch_packs).
    logs = {}  # name -> (export events, stamp events)
    tar_mans = {}  # .tar.gz pack name (without .tar.gz) -> its manifest
    untokened_tars = set()  # .tar.gz packs that hold no tagmanifest-sha256.txt.tsr
    for n in sorted(os.listdir(path)):
        full = os.path.join(path, n)
        if n.startswith(".tmp-") or n in (".lock", ".archive.lock"):
            continue
        # A name the checks read (the ledger, a pack, a .tar.gz) that is not what it is named (a symbolic
        # link, a FIFO, a file named as a pack) is never followed, and said: skipped in silence, a pack
        # replaced by a link would drop out of the check (the newest evidence then names the day before).
        plain_dir = os.path.isdir(full) and not os.path.islink(full)
        plain_file = os.path.isfile(full) and not os.path.islink(full)
        if n == "pruned.jsonl":
            ledger_ok = plain_file
            if not plain_file:
                rep.error("NOT_A_REGULAR_FILE", n, None, "not a regular file; not followed")
            continue
        # The review records' directory and the archive's own ledger (not read here): never followed.
        if n in ("reviews", "archive-ledger.jsonl"):
            if not (plain_dir if n == "reviews" else plain_file):
                rep.error("NOT_A_REGULAR_FILE", n, None, "a symbolic link or another kind of file; never followed")
            continue
        is_tar = n.endswith(".tar.gz") and PACK_NAME.fullmatch(n[:-7]) is not None
        if (PACK_NAME.fullmatch(n) and not plain_dir) or (is_tar and not plain_file):
            rep.error("NOT_A_REGULAR_FILE", n, None, "named as a pack, but a symbolic link or another kind of file; never followed")
            continue
        if PACK_NAME.fullmatch(n):
            # A roll-up (rollup.json) among the packs: the directory is an artifacts directory (a pack
            # can never hide behind a roll-up); the roll-up is named, and checked as the pack it is not.
            if os.path.isfile(os.path.join(full, "rollup.json")):
                rep.error("ROLLUP_ENTRY_UNEXPECTED", n, None, "holds a roll-up (rollup.json) in an artifacts directory: verified as a pack")
            man = check_pack_dir(full, rep, n)
            raw = read_bounded_root(full, "manifest.json") if os.path.isfile(os.path.join(full, "manifest.json")) else None
            packs[n] = (man, sha256(raw) if raw is not None else None)
            logf = os.path.join(full, "data", "audit.jsonl")
            if os.path.isfile(logf) and not os.path.islink(logf):
                data = open(logf, "rb").read()
                logs[n] = (export_events(data, n), stamp_events(data, n))
            tagf = os.path.join(full, "tagmanifest-sha256.txt")
            if raw is not None and os.path.isfile(tagf):
                review_tags[sha256(raw)] = (n, sha256(read_bounded_root(full, "tagmanifest-sha256.txt")))
        elif is_tar:
            files = read_tar_gz(full, rep, n)
            if files is not None:
                man = check_pack_files(files, n, n[:10], rep)
                tars[n[:-7]] = sha256(files.get("manifest.json", b""))
                tar_mans[n[:-7]] = man
                if "tagmanifest-sha256.txt.tsr" not in files:
                    untokened_tars.add(n[:-7])
                logs[n] = (export_events(files.get("data/audit.jsonl"), n[:-7]), stamp_events(files.get("data/audit.jsonl"), n[:-7]))
                if "tagmanifest-sha256.txt" in files:
                    review_tags.setdefault(tars[n[:-7]], (n, sha256(files["tagmanifest-sha256.txt"])))
        # anything else: not a pack, ignored (as auditpack reports it as info)
    pruned = []
    ledger = os.path.join(path, "pruned.jsonl")
    if ledger_ok:
        lines, tail = split_lines(open(ledger, "rb").read())
        for i, (raw, _) in enumerate(lines):
            try:
                e = strict_json(raw.decode("utf-8"))
                if not (isinstance(e, dict) and real_date(e.get("export_date")) and retention_ok(e)):
                    raise ValueError
                pruned.append(e)
            except (RecursionError, ValueError, UnicodeDecodeError):
                rep.error("ARCHIVE_PRUNED_LEDGER_INVALID", "pruned.jsonl", i + 1, "not a ledger entry")
        if tail:
            rep.error("ARCHIVE_PRUNED_LEDGER_INVALID", "pruned.jsonl", len(lines) + 1, "an unterminated line")
    # Only an entry that removed a pack stands for one in the links below: prune writes export_date
    # and path from the one pack it removes, so an entry whose path is a pack of another day vouches
    # for no day, and one whose pack is still here with its manifest removed nothing (an interrupted
    # prune). Taken at its export_date, either would pass off a day in no pack as pruned. check_ledger
    # still reports every entry.
    removed = [e for e in pruned if removed_a_pack(e, packs)]
    # A day with superseded versions but no current pack that no ledger entry removed: an export --force
    # killed before it moved the new pack in, or the current pack renamed (at58 F7). A warning, on the newest version.
    names = list(packs) + [t for t in tars]
    have_current = {n for n in names if ".v" not in n}
    gone = {e["export_date"] for e in removed}
    newest_version = {}
    for n in names:
        if ".v" in n and n[:10] not in have_current and n[:10] not in gone:
            v = int(n.split(".v", 1)[1])
            if n[:10] not in newest_version or newest_version[n[:10]][0] < v:
                newest_version[n[:10]] = (v, n if n in packs else n + ".tar.gz")
    for day in sorted(newest_version):
        rep.warning("ARCHIVE_CURRENT_MISSING", newest_version[day][1], None,
                    "%s has superseded versions but no current pack (%s/ or %s.tar.gz), and pruned.jsonl records none removed:"
                    " an export --force killed before it moved the new pack in (run it again), or the current pack renamed or removed"
                    % (day, day, day))
    # No two pack directories (current or .vN) hold the same manifest.json bytes: the second, in name
    # order, is a pack copied in under another name (FORMAT.md "An artifacts directory", 4). A
    # .tar.gz holds the same manifest as its directory by design and is not counted here.
    first_of = {}
    for n in sorted(packs):
        h = packs[n][1]
        if h is None:
            continue
        if h in first_of:
            rep.error("ARCHIVE_PACK_REPLAYED", n + "/manifest.json", None, "is byte for byte the manifest of " + first_of[h] + ": an old pack replayed as another day")
        else:
            first_of[h] = n
    for name, h in tars.items():
        if name in packs and packs[name][1] != h:
            rep.error("ARCHIVE_TAR_MISMATCH", name + ".tar.gz", None, "holds another manifest.json than the directory")
    # Day to day: previous_pack links and the chain carried from pack to pack.
    current = sorted(n for n in packs if ".v" not in n and packs[n][0] is not None)
    known = {}  # manifest hash -> export_date, of every pack and ledger entry
    for n, (man, h) in packs.items():
        if h:
            known[h] = n[:10]
    for e in removed:
        if isinstance(e.get("manifest_sha256"), str):
            known[e["manifest_sha256"]] = e["export_date"]
    prev_name, prev_chain = None, None
    for n in current:
        man = packs[n][0]
        link = man.get("previous_pack")
        # A link may skip packs that are back-fills made after it (inserted_before a pack up to n).
        backfills = [c for c in current if c < n and is_backfill_before(packs[c][0], c, n, known)]
        if prev_name is not None and prev_name in backfills:
            older = [c for c in current if c < n and c not in backfills]
            if link is None and not older and not [e for e in removed if e.get("export_date", "") < n]:
                prev_name = None
            elif isinstance(link, dict) and known.get(link.get("manifest_sha256")) == link.get("export_date") and link.get("export_date", "") < n \
                    and all(c <= link.get("export_date", "") or c in backfills for c in current if c < n):
                prev_name = link.get("export_date")
        if prev_name is None:
            earlier = [e for e in removed if e.get("export_date", "") < n]
            if link is not None and (not isinstance(link, dict) or known.get(link.get("manifest_sha256")) != link.get("export_date") or link.get("export_date", "") >= n):
                rep.error("ARCHIVE_LINK_BROKEN", n + "/manifest.json", None, "previous_pack names no pack or ledger entry")
            elif link is None and earlier:
                rep.error("ARCHIVE_LINK_BROKEN", n + "/manifest.json", None, "previous_pack is null, yet earlier packs were pruned")
        else:
            ok = isinstance(link, dict) and known.get(link.get("manifest_sha256")) == link.get("export_date") and prev_name[:10] <= link.get("export_date", "") < n
            if not ok:
                rep.error("ARCHIVE_LINK_BROKEN", n + "/manifest.json", None, "previous_pack is not the newest earlier pack (" + prev_name + ")")
        chain = man.get("chain") if isinstance(man.get("chain"), dict) else {}
        if chain.get("first_seq") is not None:
            pruned_between = prev_chain is not None and any(prev_chain["date"] < e.get("export_date", "") < n[:10] for e in removed)
            gap_days = prev_chain is not None and days_from_civil(*map(int, n[:10].split("-"))) - days_from_civil(*map(int, prev_chain["date"].split("-"))) > 1
            if prev_chain is not None and not pruned_between and isinstance(chain.get("first_seq"), int) and isinstance(prev_chain["last_seq"], int) \
                    and chain["first_seq"] > prev_chain["last_seq"] + 1 and gap_days:
                rep.error("ARCHIVE_DAY_MISSING", n + "/manifest.json", None, "the events between the previous pack's log and this one's are in no pack")
            elif prev_chain is not None and not pruned_between and (chain.get("first_seq") != prev_chain["last_seq"] + 1 or chain.get("start_prev") != prev_chain["end_hash"]):
                rep.error("ARCHIVE_CHAIN_BROKEN", n + "/manifest.json", None, "the log does not continue from the previous pack's")
            prev_chain = {"last_seq": chain.get("last_seq"), "end_hash": chain.get("end_hash"), "date": n[:10]}
        prev_name = n
    for n in current:
        ib = packs[n][0].get("inserted_before")
        if isinstance(ib, dict) and known.get(ib.get("manifest_sha256")) != ib.get("export_date"):
            rep.error("ARCHIVE_LINK_BROKEN", n + "/manifest.json", None, "inserted_before names no pack or ledger entry")
    check_carries(path, packs, current, rep)
    vouched = vouch_packs(packs, tars, logs)
    check_policies_in_force(path, packs, vouched, rep)
    exports = [ev for n in vouched if n in logs for ev in logs[n][0]]
    stamps = [st for n in vouched if n in logs for st in logs[n][1]]
    check_export_events(packs, tars, current, removed, exports, rep)
    check_unvouched(path, packs, tars, tar_mans, current, vouched, rep, logs)
    check_recorded_tokens(path, packs, stamps, rep, tars, untokened_tars)
    ledger_lines = split_lines(open(ledger, "rb").read())[0] if ledger_ok else []
    check_ledger_signatures(ledger_lines, allowed_signers, rep)
    check_prune_ages(ledger_lines, min_retention, rep)
    check_ledger(path, packs, current, ledger_lines, rep, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()), set(tars))
    check_mixed_signing(path, sorted(packs), rep)
    check_reviews(path, review_tags, review_signers, rep)
    if current:
        last = packs[current[-1]][0]
        print("newest evidence: %s, chain ends in %s" % (current[-1], (last.get("chain") or {}).get("end_hash")), file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# Review records (FORMAT.md "Review records", "Verifying / Review records"): each pack
# version's state, the record's lines and links, the signed messages against the pack, both
# signatures with ssh-keygen when it is installed. The chained review events are not read here.
# ---------------------------------------------------------------------------------------------

REVIEW_FORMAT = "auditpack-review/2"
REVIEW_NS = "auditpack-review"
SUBMIT_NS = "auditpack-review-submit"
REVIEW_HEAD = ["format", "seq", "at", "pack_date", "manifest_sha256", "actor", "kind"]
REVIEW_KEYS = {
    "transition": REVIEW_HEAD + ["action", "from", "to", "reason", "submission", "approval", "prev"],
    "disposition": REVIEW_HEAD + ["finding_id", "disposition", "reason", "reviewer", "review_date", "source", "prev"],
}
REVIEW_MOVES = {"submit": ("DRAFT", "PENDING_REVIEW"), "approve": ("PENDING_REVIEW", "APPROVED"),
                "reject": ("PENDING_REVIEW", "REJECTED"), "reopen": ("REJECTED", "DRAFT")}
ACTOR_RE = re.compile(r"[A-Za-z0-9._@+-]{1,128}")
FACT_KEYS = ["message_sha256", "signature_sha256", "key_fingerprint"]
FP_RE = re.compile(r"SHA256:[A-Za-z0-9+/]{43}")
REVIEW_FILE = re.compile(r"([0-9a-f]{64})\.jsonl")


def js_json(v):
    """JSON.stringify of what a record line holds (text, integers, null, flat objects)."""
    return js_escapes(json.dumps(v, ensure_ascii=False, separators=(",", ":")))


def review_line_problem(raw, seq, date, sha):
    """(line dict, None) or (None, why): the line exactly as FORMAT.md "A record line" writes it."""
    try:
        o = strict_json(raw.decode("utf-8"))
    except (RecursionError, ValueError, UnicodeDecodeError):
        return None, "not UTF-8 JSON"
    if not isinstance(o, dict) or o.get("kind") not in REVIEW_KEYS:
        return None, "not a record line"
    if list(o.keys()) != REVIEW_KEYS[o["kind"]] or js_json(o).encode("utf-8") != raw:
        return None, "not in canonical form"
    if o["format"] != REVIEW_FORMAT or o["seq"] != seq or o["pack_date"] != date or o["manifest_sha256"] != sha:
        return None, "format, seq or place (pack_date, manifest_sha256) is not the record's"
    if not real_instant(o["at"]) or not isinstance(o["actor"], str) or not ACTOR_RE.fullmatch(o["actor"]):
        return None, "at or actor is invalid"
    if not (o["reason"] is None or (isinstance(o["reason"], str) and 0 < len(o["reason"]) <= 2000)):
        return None, "reason is invalid"
    if o["kind"] == "disposition":
        if o["disposition"] not in ("false_positive", "accepted", "escalated") or (o["disposition"] == "accepted" and o["reason"] is None):
            return None, "not a disposition"
        if not isinstance(o["reviewer"], str) or not ACTOR_RE.fullmatch(o["reviewer"]) or not real_date(o["review_date"]) or o["source"] not in ("command", "csv"):
            return None, "reviewer, review_date or source is invalid"
        return o, None
    move = REVIEW_MOVES.get(o["action"]) if isinstance(o["action"], str) else None
    if move is None or (o["from"], o["to"]) != move or (o["action"] == "reject" and o["reason"] is None):
        return None, "not a transition of the table"
    for k, action in (("submission", "submit"), ("approval", "approve")):
        f = o[k]
        if o["action"] != action:
            if f is not None:
                return None, k + " facts on a line that is no " + k
        elif not (isinstance(f, dict) and list(f.keys()) == FACT_KEYS and HEX64.fullmatch(str(f["message_sha256"]))
                  and HEX64.fullmatch(str(f["signature_sha256"])) and FP_RE.fullmatch(str(f["key_fingerprint"]))):
            return None, k + " facts are invalid"
    return o, None


def read_review_record(data, date, sha, shown, rep):
    """The valid lines, in order; the first bad line (or a broken link) ends the record."""
    lines, tail = split_lines(data)
    if tail:
        rep.error("REVIEW_RECORD_INVALID", shown, len(lines) + 1, "the last line has no newline")
    out, prev, state, last_at = [], GENESIS, "DRAFT", ""
    for i, (raw, _) in enumerate(lines):
        o, why = review_line_problem(raw, i + 1, date, sha)
        if o is not None and o["prev"] != prev:
            why = "prev is not the SHA-256 of the line before: a line was edited, removed or inserted"
        elif o is not None and o["at"] < last_at:
            why = "at goes back in time"
        elif o is not None and o["kind"] == "disposition" and state != "DRAFT":
            why = "a disposition in state " + state
        elif o is not None and o["kind"] == "transition" and o["from"] != state:
            why = "a " + o["action"] + " from " + o["from"] + ", but the state is " + state
        if why is not None:
            rep.error("REVIEW_RECORD_INVALID", shown, i + 1, why)
            break
        state = o["to"] if o["kind"] == "transition" else state
        prev, last_at = sha256(raw), o["at"]
        out.append(o)
    return out, state


def dispositions_before(lines, seq):
    d = {}
    for o in lines:
        if o["seq"] >= seq:
            break
        if o["kind"] == "disposition":
            d[o["finding_id"]] = {k: o[k] for k in ("finding_id", "disposition", "reason", "reviewer", "review_date")}
    return ["disposition: " + js_json(d[k]) for k in sorted(d, key=lambda s: s.encode("utf-16-be"))]


def same_actor(a, b):
    """Whether two actor names name one person for four eyes (FORMAT.md "The approval"): NFKC,
    case-folded, trimmed, so alice@desk and ALICE@desk are one person."""
    def key(x):
        return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", x).upper().lower()).strip()
    return isinstance(a, str) and isinstance(b, str) and key(a) == key(b)


def review_message(kind, lines, line, date, sha, tag, submission):
    """The exact bytes a submitter or approver signs (FORMAT.md "The submission", "The approval")."""
    head = [REVIEW_FORMAT + " " + kind, "pack_date: " + date, "manifest_sha256: " + sha, "tagmanifest_sha256: " + tag]
    if kind == "approval":
        head += ["approver: " + line["actor"], "submitter: " + submission["actor"],
                 "submitter_key: " + submission["submission"]["key_fingerprint"]]
    else:
        head += ["submitter: " + line["actor"]]
    head += ["record_seq: %d" % line["seq"], "record_prev: " + line["prev"]]
    return js_utf8("\n".join(head + dispositions_before(lines, line["seq"] if kind == "submission" else 10 ** 12)) + "\n")


def sshsig_fingerprint(armored):
    """SHA256:… of the public key inside an SSHSIG armor (PROTOCOL.sshsig), or None."""
    import base64
    body = "".join(l for l in armored.decode("ascii", "replace").splitlines() if not l.startswith("-----"))
    try:
        blob = base64.b64decode(body, validate=True)
    except ValueError:
        return None
    if blob[:6] != b"SSHSIG" or len(blob) < 14:
        return None
    n = int.from_bytes(blob[10:14], "big")
    key = blob[14:14 + n]
    return "SHA256:" + base64.b64encode(hashlib.sha256(key).digest()).decode("ascii").rstrip("=")


def sshsig_ed25519(armored):
    """Whether an SSHSIG armor's public key is ssh-ed25519: every auditpack signature is Ed25519
    (FORMAT.md "Signature check"), while ssh-keygen -Y verify accepts RSA and ECDSA keys too."""
    import base64
    text = armored.decode("ascii", "replace") if isinstance(armored, bytes) else armored
    body = "".join(l for l in text.splitlines() if not l.startswith("-----"))
    try:
        blob = base64.b64decode(body, validate=True)
    except ValueError:
        return False
    key = blob[14:14 + int.from_bytes(blob[10:14], "big")] if blob[:6] == b"SSHSIG" and len(blob) >= 14 else b""
    return key[:4] == (11).to_bytes(4, "big") and key[4:15] == b"ssh-ed25519"


def check_signed(base, msg_rel, facts, expected, ns, actor, signers, shown, rep, code):
    try:
        msg = read_regular(os.path.join(base, msg_rel))
        sig = read_regular(os.path.join(base, msg_rel + ".sig"))
    except OSError:
        rep.error(code, shown, None, msg_rel + " or its .sig is missing")
        return
    if sha256(msg) != facts["message_sha256"] or sha256(sig) != facts["signature_sha256"]:
        rep.error(code, shown, None, msg_rel + ": not the files the record line recorded (edited or replaced)")
    if expected is not None and msg != expected:
        rep.error(code, shown, None, msg_rel + ": not what the record and the pack's tag manifest give")
    if sshsig_fingerprint(sig) != facts["key_fingerprint"]:
        rep.error(code, shown, None, msg_rel + ".sig: not signed by the key the record line recorded")
    if not sshsig_ed25519(sig):
        rep.error(code, shown, None, msg_rel + ".sig: not an Ed25519 signature (a review is signed with an Ed25519 key)")
        return
    try:
        if signers:
            cmd = ["ssh-keygen", "-Y", "verify", "-f", signers, "-I", actor, "-n", ns, "-s", os.path.join(base, msg_rel + ".sig")]
        else:
            cmd = ["ssh-keygen", "-Y", "check-novalidate", "-n", ns, "-s", os.path.join(base, msg_rel + ".sig")]
        ok = subprocess.run(cmd, input=msg, capture_output=True).returncode == 0
    except OSError:
        rep.warning("REVIEW_SIGNER_NOT_CHECKED", shown, None, msg_rel + ".sig: ssh-keygen is not installed; the signature was not checked")
        return
    if not ok:
        rep.error(code, shown, None, msg_rel + ".sig: does not verify (namespace " + ns + (", signer " + actor + " in the review signers" if signers else "") + ")")
    elif not signers:
        rep.warning("REVIEW_SIGNER_NOT_CHECKED", shown, None, msg_rel + ".sig: holds for the key inside it; no review signers were given")


def check_reviews(path, tags, signers, rep):
    """Every record under reviews/; `tags` maps a pack version's manifest hash to (name, tag manifest hash)."""
    root = os.path.join(path, "reviews")
    if os.path.islink(root) or not os.path.isdir(root):
        return
    for day in sorted(os.listdir(root)):
        for n in sorted(os.listdir(os.path.join(root, day))) if real_date(day) and os.path.isdir(os.path.join(root, day)) else []:
            m = REVIEW_FILE.fullmatch(n)
            if m is None:
                continue
            sha, shown, base = m.group(1), "reviews/" + day + "/" + n, os.path.join(root, day)
            lines, state = read_review_record(open(os.path.join(base, n), "rb").read(), day, sha, shown, rep)
            name, tag = tags.get(sha, (None, None))
            if name is None:
                rep.warning("REVIEW_PACK_MISSING", shown, None, "a record of a pack version that is not here")
            subs = [o for o in lines if o["kind"] == "transition" and o["action"] == "submit"]
            for o in subs:
                exp = review_message("submission", lines, o, day, sha, tag, None) if tag else None
                check_signed(base, sha + ".submit-%d.txt" % o["seq"], o["submission"], exp, SUBMIT_NS, o["actor"], signers, shown, rep, "REVIEW_SUBMISSION_INVALID")
            app = next((o for o in lines if o["kind"] == "transition" and o["action"] == "approve"), None)
            if app is not None:
                sub = subs[-1]
                if same_actor(sub["actor"], app["actor"]) or sub["submission"]["key_fingerprint"] == app["approval"]["key_fingerprint"]:
                    rep.error("REVIEW_APPROVAL_INVALID", shown, app["seq"], "approved by the submitter's name or key: four eyes broken")
                exp = review_message("approval", lines, app, day, sha, tag, sub) if tag else None
                check_signed(base, sha + ".approval.txt", app["approval"], exp, REVIEW_NS, app["actor"], signers, shown, rep, "REVIEW_APPROVAL_INVALID")
            how = state if app is None else "APPROVED by %s (submitted by %s)" % (app["actor"], subs[-1]["actor"])
            rep.add("info", "REVIEW_STATE", name or shown, None, how)


# ---------------------------------------------------------------------------------------------
# Signatures (FORMAT.md "Signature check"): ssh-keygen does the cryptography
# ---------------------------------------------------------------------------------------------


def check_signature(pack_dir, allowed_signers, rep, shown):
    tag = os.path.join(pack_dir, "tagmanifest-sha256.txt")
    sig = tag + ".sig"
    if not os.path.isfile(sig):
        rep.error("PACK_UNSIGNED", shown, None, "a key was given but the pack is not signed")
        return
    with open(sig, "rb") as fh:
        if not sshsig_ed25519(fh.read(64 * 1024)):
            return  # reported by the pack's own check (PACK_SIGNATURE_INVALID: not Ed25519)
    try:
        found = subprocess.run(["ssh-keygen", "-Y", "find-principals", "-f", allowed_signers, "-s", sig], capture_output=True, text=True)
        principal = found.stdout.strip().split("\n")[0]
        with open(tag, "rb") as fh:
            ok = principal and subprocess.run(["ssh-keygen", "-Y", "verify", "-f", allowed_signers, "-I", principal, "-n", "auditpack", "-s", sig], stdin=fh, capture_output=True).returncode == 0
    except OSError as e:
        rep.error("PACK_SIGNATURE_INVALID", shown, None, "ssh-keygen could not run: " + str(e))
        return
    if not ok:
        rep.error("PACK_SIGNATURE_INVALID", shown, None, "the signature does not verify with the allowed signers")


RETENTION_SOURCES = ("command_line", "environment", "config_file", "default", "caller")


def retention_ok(e):
    """FORMAT.md "What a prune leaves behind": retention_days (a whole number, 0 to 1,000,000) and
    retention_source (one of five words), both or neither (lines written before prune recorded them)."""
    if "retention_days" not in e and "retention_source" not in e:
        return True
    d = e.get("retention_days")
    return (isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 1000000
            and isinstance(e.get("retention_source"), str) and e["retention_source"] in RETENTION_SOURCES)


def check_ledger_signatures(ledger_lines, allowed_signers, rep):
    """pruned.jsonl lines (FORMAT.md "What a prune leaves behind"): a signed line's signature covers the
    line up to its last member, `,"signature":"…"}`, closed by `}`; with allowed signers every line must be
    signed by one of them (the ledger line and the PackPruned event are otherwise the writer's word)."""
    for i, (line, _) in enumerate(ledger_lines):
        try:
            e = strict_json(line.decode("utf-8"))
        except (RecursionError, ValueError, UnicodeDecodeError):
            continue
        if not isinstance(e, dict):
            continue
        sig = e.get("signature")
        if not isinstance(sig, str):
            if allowed_signers:
                rep.error("ARCHIVE_PRUNE_UNSIGNED", "pruned.jsonl", i + 1, "a key was given but this ledger line is not signed")
            continue
        tail = (',"signature":' + js_json(sig) + "}").encode("utf-8")
        if not line.endswith(tail):
            rep.error("ARCHIVE_PRUNE_SIGNATURE_INVALID", "pruned.jsonl", i + 1, "the signature is not the line's last member as written")
            continue
        message = line[: -len(tail)] + b"}"
        try:
            signed = strict_json(message.decode("utf-8"))
        except (RecursionError, ValueError, UnicodeDecodeError):
            signed = None
        fields = ("export_date", "manifest_sha256", "path", "pruned_at", "retention_days", "retention_source", "relied_on")
        if not isinstance(signed, dict) or any(signed.get(k) != e.get(k) for k in fields):
            rep.error("ARCHIVE_PRUNE_SIGNATURE_INVALID", "pruned.jsonl", i + 1, "the fields the signature covers are not the line's")
            continue
        # The armor as ssh-keygen writes it, as for a pack's signature: a re-wrapped one verifies, but was edited.
        if not canonical_armor(sig.encode("utf-8", "replace")):  # a lone surrogate: not the armor, never a traceback
            rep.error("ARCHIVE_PRUNE_SIGNATURE_INVALID", "pruned.jsonl", i + 1, "the signature is not in the canonical armor")
            continue
        if not ssh_sig_ok(message, sig, allowed_signers):
            rep.error("ARCHIVE_PRUNE_SIGNATURE_INVALID", "pruned.jsonl", i + 1, "the signature does not verify" + (" with the allowed signers" if allowed_signers else " over the line"))


def check_prune_ages(ledger_lines, min_retention, rep):
    """FORMAT.md "What a prune leaves behind": the age at pruning of each ledger line, pruned_at minus
    the start (UTC) of export_date, against the auditor's floor (--min-retention-days; not given: 90,
    a warning; 0: off). Lines that are not entries, or without an ISO pruned_at, are other checks'."""
    floor = 90 if min_retention is None else min_retention
    for i, (line, _) in enumerate(ledger_lines):
        try:
            e = strict_json(line.decode("utf-8"))
        except (RecursionError, ValueError, UnicodeDecodeError):
            continue
        if not isinstance(e, dict) or not real_date(e.get("export_date")) or not retention_ok(e):
            continue
        at = e.get("pruned_at")
        if not isinstance(at, str) or not ISO_UTC.fullmatch(at):
            continue
        # Milliseconds, as the format's timestamps are written (further digits are cut, not rounded).
        # An instant that names no real time (month 13, 24:00, a leap second) is left to the other checks.
        try:
            secs = calendar.timegm(time.strptime(at[:19], "%Y-%m-%dT%H:%M:%S"))
        except ValueError:
            continue
        if time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) != at[:19]:
            continue
        frac = at[20:-1] if len(at) > 20 else ""
        ms = secs * 1000 + int((frac + "000")[:3])
        day = calendar.timegm(time.strptime(e["export_date"], "%Y-%m-%d")) * 1000
        days = e.get("retention_days")
        # Prune removes the packs dated before its day (UTC, of pruned_at) minus the retention: a line
        # whose pack is not says a retention that did not remove it (edited or forged).
        if days is not None and not day // 86400000 + days < secs // 86400:
            rep.error("ARCHIVE_PRUNE_RETENTION_MISMATCH", "pruned.jsonl", i + 1,
                      "a retention of %d days at %s removes only packs dated more than %d days before that day" % (days, at, days))
        age = (ms - day) / 86400000.0
        if floor > 0 and age < floor:
            by = "" if days is None else ", by a retention of %d days from %s" % (days, e["retention_source"])
            (rep.warning if min_retention is None else rep.error)(
                "ARCHIVE_PRUNED_EARLY", "pruned.jsonl", i + 1,
                "pruned %.1f days after its day%s, under the floor of %d days" % (age, by, floor))


def ssh_sig_ok(message, armored, allowed_signers):
    """An SSHSIG (namespace auditpack) over `message`: by an allowed signer, or (none given) by its own key.
    True when ssh-keygen is missing (as for packs: a warning is printed). Never for a key that is not Ed25519."""
    import tempfile
    if not sshsig_ed25519(armored):
        return False
    with tempfile.TemporaryDirectory() as d:
        sig = os.path.join(d, "line.sig")
        with open(sig, "w", encoding="utf-8") as fh:
            fh.write(armored)
        try:
            if allowed_signers:
                found = subprocess.run(["ssh-keygen", "-Y", "find-principals", "-f", allowed_signers, "-s", sig], capture_output=True, text=True)
                principal = found.stdout.strip().split("\n")[0]
                return bool(principal) and subprocess.run(["ssh-keygen", "-Y", "verify", "-f", allowed_signers, "-I", principal, "-n", "auditpack", "-s", sig], input=message, capture_output=True).returncode == 0
            return subprocess.run(["ssh-keygen", "-Y", "check-novalidate", "-n", "auditpack", "-s", sig], input=message, capture_output=True).returncode == 0
        except OSError:
            print("warning: ssh-keygen not found; signatures were not checked", file=sys.stderr)
            return True


# What a pack checked alone cannot prove (FORMAT.md "A pack", step 8), as auditpack verify says it
DEFAULT_ALERT_FILTER = {
    "categories": ["alert"],
    "events": ["auth.LoginFailed", "order.Rejected", "config.ConfigChanged", "config.ConfigSnapshot", "system.TornLineRecovered"],
    "severities": ["HIGH", "CRITICAL"],
}


def standalone_notes(pack_dir, trusted, rep, shown):
    """A pack exported with the compliance checks off says so; unless a trusted signature pins the
    pack: an unsigned pack (or one signed by a key nobody trusted) can be rewritten whole, and an
    alert_filter other than the default is vouched for by nothing in the pack."""
    signed = os.path.isfile(os.path.join(pack_dir, "tagmanifest-sha256.txt.sig"))
    try:
        with open(os.path.join(pack_dir, "manifest.json"), "rb") as fh:
            man = strict_json(fh.read(64 * 1024 * 1024).decode("utf-8"))
    except (RecursionError, OSError, ValueError):
        man = None
    # Signed or not: a pack that lists no compliance files but has line_tree was made by a version
    # that writes them unless its export turned the checks off (or the files were removed and the
    # manifests re-made); it is not a pack made before the checks existed.
    if isinstance(man, dict) and isinstance(man.get("files"), dict) and man.get("line_tree") is not None \
            and not any(f in man["files"] for f in ("data/compliance_report.json",
                                                      "data/compliance_findings.csv", "data/report.html")):
        rep.warning("COMPLIANCE_CHECKS_OFF", shown + "/manifest.json", None,
                    "no compliance report, findings CSV or page, but made by a version that writes them "
                    "(line_tree): exported with the checks off, or the files removed and the manifests re-made")
    if signed and trusted:
        return
    # A signature no trusted key was given for pins nothing: anyone can sign with a key of their own.
    rep.warning("PACK_UNSIGNED_UNPINNED", shown + "/tagmanifest-sha256.txt.sig", None,
                ("signed, but no --allowed-signers was given to say whose key is trusted; checked alone"
                 if signed else "unsigned and checked alone")
                + ": whoever can write it can rewrite it whole and it stays consistent")
    flt = man.get("alert_filter") if isinstance(man, dict) else None
    if not isinstance(flt, dict):
        return
    diff = []
    for k in ("categories", "events", "severities"):
        have = flt.get(k) if isinstance(flt.get(k), list) else []
        missing = [x for x in DEFAULT_ALERT_FILTER[k] if x not in have]
        added = [x for x in have if x not in DEFAULT_ALERT_FILTER[k]]
        if missing:
            diff.append("%s lacks %s" % (k, ", ".join(json.dumps(x) for x in missing)))
        if added:
            diff.append("%s adds %d" % (k, len(added)))
    if diff:
        rep.warning("ALERT_FILTER_UNBOUND", shown + "/manifest.json", None,
                    "alert_filter is not the default (%s) and nothing in the pack vouches for it" % "; ".join(diff))


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def is_rollups_dir(path, entries):
    """FORMAT.md "Verifying the roll-ups directory": roll-ups only if nothing in it looks like a pack."""
    if "pruned.jsonl" in entries or ".export.lock" in entries:
        return False
    if any(re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(\.v[0-9]+)?\.tar\.gz", n) for n in entries):
        return False
    days = [os.path.join(path, n) for n in entries if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(\.v[0-9]+)?", n)]
    for d in days:
        has = lambda f: os.path.exists(os.path.join(d, f))  # noqa: E731
        if has("manifest.json") or (has("bagit.txt") and not has("rollup.json")):
            return False
    return ".rollup.lock" in entries or any(os.path.exists(os.path.join(d, "rollup.json")) for d in days)


def holds_artifacts(entries):
    """What only an artifacts directory holds: a pack (YYYY-MM-DD[.vN], or its .tar.gz), pruned.jsonl,
    or the lock export and prune take on it (.export.lock)."""
    return "pruned.jsonl" in entries or ".export.lock" in entries or any(
        PACK_NAME.fullmatch(n[:-7] if n.endswith(".tar.gz") else n) for n in entries)


USAGE = "usage: auditpack_check.py PATH [--json] [--allowed-signers FILE] [--review-signers FILE] [--min-retention-days N]"


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    signers = None
    review_signers = None
    if "--review-signers" in argv:
        i = argv.index("--review-signers")
        if i + 1 >= len(argv):
            print(USAGE, file=sys.stderr)
            return 2
        review_signers = argv[i + 1]
        args = [a for a in args if a != review_signers]
    min_retention = None
    if "--min-retention-days" in argv:
        i = argv.index("--min-retention-days")
        if i + 1 >= len(argv) or not re.fullmatch(r"[0-9]+", argv[i + 1]):
            print(USAGE, file=sys.stderr)
            return 2
        min_retention = int(argv[i + 1])
        args = [a for a in args if a != argv[i + 1]]
    if "--allowed-signers" in argv:
        i = argv.index("--allowed-signers")
        if i + 1 >= len(argv):
            print(USAGE, file=sys.stderr)
            return 2
        signers = argv[i + 1]
        args = [a for a in args if a != signers]
    if len(args) != 1:
        print(USAGE, file=sys.stderr)
        return 2
    path = args[0].rstrip("/") or "/"
    rep = Report()
    base = os.path.basename(path)
    if not os.path.exists(path):
        print("no such path: " + path, file=sys.stderr)
        return 2
    if os.path.isdir(path):
        entries = os.listdir(path)
        # FORMAT.md "Verifying a roll-up": a roll-up is recognised by its rollup.json and no
        # manifest.json. It is a BagIt bag named like a pack, but not one: its checks are not a
        # pack's, and pack findings on it would be wrong. A pack that gained a rollup.json keeps
        # its manifest.json and is checked as the pack it is (the stray file is named).
        if "rollup.json" in entries and "manifest.json" not in entries:
            print("%s: a roll-up (rollup.json, no manifest.json), not a pack; this checker does not check roll-ups: use auditpack verify" % path, file=sys.stderr)
            return 2
        if PACK_NAME.fullmatch(base) or "bagit.txt" in entries:
            kind = "pack"
            check_pack_dir(path, rep)
            if signers:
                check_signature(path, signers, rep, base)
            standalone_notes(path, bool(signers), rep, base)
        elif is_rollups_dir(path, entries):
            print("%s: a roll-ups directory (rollup --out), which this checker does not check: use auditpack verify" % path, file=sys.stderr)
            return 2
        elif any(LOG_NAME.fullmatch(n) for n in entries) and not holds_artifacts(entries):
            # A log file's name never outweighs packs: planted in an artifacts directory, it would
            # otherwise have every pack there go unchecked (at58 F1).
            kind = "log-dir"
            check_log_dir(path, rep)
        elif ".audit.lock" in entries and not holds_artifacts(entries):
            # A logs directory whose day files are all gone: its lock file still says what was written.
            kind = "log-dir"
            check_log_dir(path, rep)
        else:
            kind = "archive"
            check_archive(path, rep, review_signers, signers, min_retention)
            if signers:
                for n in sorted(entries):
                    if PACK_NAME.fullmatch(n) and os.path.isdir(os.path.join(path, n)):
                        check_signature(os.path.join(path, n), signers, rep, n)
    elif base.endswith(".tar.gz"):
        kind = "pack-tar"
        check_pack_tar(path, rep)
    else:
        kind = "log"
        check_log_file(path, rep)
    errors = rep.errors()
    if "--json" in argv:
        print(json.dumps({"ok": not errors, "kind": kind, "findings": rep.findings}))
    else:
        for f in rep.findings:
            print("%-7s %s %s%s: %s" % (f["severity"], f["code"], f["file"], "" if f["line"] is None else ":%d" % f["line"], f["detail"]))
        print("%s: %s (%d errors)" % (path, "intact" if not errors else "PROBLEMS FOUND", len(errors)))
    return 0 if not errors else 1


if __name__ == "__main__":
    # A finding quotes hostile text (a path in a pack's JSON may hold a lone surrogate, "\ud800"):
    # printed escaped, never a UnicodeEncodeError.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    # Deeply nested JSON is valid JSON: give the parser room (a thread with a large stack).
    sys.setrecursionlimit(200000)
    threading.stack_size(512 * 1024 * 1024)
    result = []
    def run():
        try:
            result.append(main(sys.argv[1:]))
        except PermissionError as e:
            # As auditpack verify: a file or directory the checking user may not read, anywhere in
            # what is checked, is PERMISSION_DENIED (exit 77), not a defect of the artifacts.
            print("PERMISSION_DENIED: %s: %s" % (e.filename, e.strerror), file=sys.stderr)
            result.append(77)

    t = threading.Thread(target=run)
    t.start()
    t.join()
    sys.exit(result[0] if result else 2)
