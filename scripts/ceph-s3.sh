#!/usr/bin/env bash
# A throw-away single-node Ceph cluster with an S3 gateway (radosgw), for the archive tests.
#
#   scripts/ceph-s3.sh start DIR   start it with all state under DIR (created, must be empty or absent);
#                                  prints KEY=VALUE lines on stdout: S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY
#   scripts/ceph-s3.sh stop DIR    stop the daemons started for DIR (by their pid files) and remove DIR
#   OWNER_PID=<pid> ... start DIR  also stop everything once process <pid> is gone (kill -9 of a test run)
#
# One monitor, one memstore OSD (data in memory, nothing on disk but logs), one radosgw, all on
# 127.0.0.1 with ports free at start time, cephx off. Ceph 16 (Debian bookworm) has start-up races:
# for a few seconds after `ceph -s` first answers, the monitor may reply "wrong fsid" or EPERM, so
# after the first answer we wait, and `ceph osd new` and the OSD start are retried. Any failure
# exits non-zero with the tail of the daemon logs on stderr: the tests then fail, never skip.
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

conf="$dir/ceph.conf"
ceph_() { timeout 20 ceph -c "$conf" --connect-timeout 5 "$@"; }

stop_all() {
  for pidfile in "$dir"/run/*.pid; do
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile" 2>/dev/null || true)"
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  # Give them a moment to exit, then make sure.
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    alive=0
    for pidfile in "$dir"/run/*.pid; do
      [ -f "$pidfile" ] || continue
      pid="$(cat "$pidfile" 2>/dev/null || true)"
      [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && alive=1
    done
    [ "$alive" = 0 ] && break
    sleep 0.3
  done
  for pidfile in "$dir"/run/*.pid; do
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile" 2>/dev/null || true)"
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  done
}

fail() {
  echo "ceph-s3: $*" >&2
  for f in "$dir"/log/*.log; do
    [ -f "$f" ] || continue
    echo "--- tail of $f" >&2
    tail -n 15 "$f" >&2 || true
  done
  stop_all
  exit 1
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

if [ "$cmd" = stop ]; then
  [ -d "$dir" ] || exit 0
  stop_all
  rm -rf "$dir"
  exit 0
fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

for c in ceph ceph-mon ceph-osd radosgw radosgw-admin monmaptool python3 uuidgen timeout; do
  command -v "$c" >/dev/null 2>&1 || { echo "ceph-s3: $c is missing (scripts/system-packages.txt: ceph-mon ceph-osd radosgw ceph-common)" >&2; exit 1; }
done

mkdir -p "$dir/run" "$dir/log" "$dir/mon.a" "$dir/osd.0"
dir="$(cd "$dir" && pwd)"
conf="$dir/ceph.conf"
fsid="$(uuidgen)"
mon_port="$(free_port)"
rgw_port="$(free_port)"
while [ "$rgw_port" = "$mon_port" ]; do rgw_port="$(free_port)"; done

cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$mon_port
public addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
run dir = $dir/run
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
log file = $dir/log/\$name.log
keyring = /dev/null
osd pool default size = 1
osd pool default min size = 1
osd pool default pg autoscale mode = off
osd pool default pg num = 8
osd pool default pgp num = 8
mon max pg per osd = 1000
osd crush chooseleaf type = 0
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
[mon.a]
mon data = $dir/mon.a
[osd.0]
osd data = $dir/osd.0
osd objectstore = memstore
memstore device bytes = 536870912
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $dir/rgw
rgw enable usage log = false
rgw dns name = 127.0.0.1
EOF

monmaptool --create --fsid "$fsid" --addv a "[v1:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null 2>&1 || fail "monmaptool failed"
ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" >"$dir/log/mkfs-mon.out" 2>&1 || fail "ceph-mon --mkfs failed"
ceph-mon -c "$conf" -i a || fail "ceph-mon did not start"

ok=0
for _ in $(seq 1 60); do
  if ceph_ -s >/dev/null 2>&1; then ok=1; break; fi
  sleep 0.5
done
[ "$ok" = 1 ] || fail "the monitor did not answer"
# The monitor may still answer "wrong fsid" or EPERM for a few seconds after its first answer.
sleep 3

osd_uuid="$(uuidgen)"
osd_id=""
for _ in $(seq 1 10); do
  if osd_id="$(ceph_ osd new "$osd_uuid" 2>>"$dir/log/osd-new.err")" && [ -n "$osd_id" ]; then break; fi
  osd_id=""
  sleep 1
done
[ "$osd_id" = 0 ] || fail "ceph osd new failed (got '${osd_id}')"

ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >"$dir/log/mkfs-osd.out" 2>&1 || fail "ceph-osd --mkfs failed"
started=0
for _ in 1 2 3; do
  if ceph-osd -c "$conf" -i 0 >>"$dir/log/osd-start.out" 2>&1; then
    for _ in $(seq 1 80); do
      if ceph_ osd dump 2>/dev/null | grep -q '^osd\.0 up'; then started=1; break; fi
      sleep 0.5
    done
  fi
  [ "$started" = 1 ] && break
  [ -f "$dir/run/osd.0.pid" ] && kill "$(cat "$dir/run/osd.0.pid")" 2>/dev/null || true
  sleep 1
done
[ "$started" = 1 ] || fail "the OSD did not come up"

mkdir -p "$dir/rgw"
radosgw -c "$conf" -n client.rgw.a >"$dir/log/rgw-start.out" 2>&1 || fail "radosgw did not start"
up=0
for _ in $(seq 1 120); do
  if python3 - "$rgw_port" <<'PY' 2>/dev/null
import sys, urllib.request
try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=2)
except urllib.error.HTTPError:
    pass
PY
  then up=1; break; fi
  sleep 0.5
done
[ "$up" = 1 ] || fail "radosgw did not answer on 127.0.0.1:$rgw_port"

access="AUDITPACKTEST$(uuidgen | tr -d - | tr a-f A-F | cut -c1-7)"
secret="$(uuidgen | tr -d -)$(uuidgen | tr -d - | cut -c1-8)"
made=0
for _ in $(seq 1 10); do
  if timeout 30 radosgw-admin -c "$conf" -n client.rgw.a user create --uid=auditpack-test --display-name=auditpack-test \
    --access-key="$access" --secret-key="$secret" >"$dir/log/user.out" 2>&1; then made=1; break; fi
  sleep 1
done
[ "$made" = 1 ] || fail "radosgw-admin user create failed"

# A test run killed with -9 never calls stop: when OWNER_PID is given, a detached watcher stops the
# daemons and removes DIR once that process is gone (its output goes nowhere, so the caller's pipes close).
if [ -n "${OWNER_PID:-}" ]; then
  setsid bash -c 'while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 2; done; [ -d "$2" ] && exec bash "$3" stop "$2"' \
    ceph-s3-watch "$OWNER_PID" "$dir" "$0" </dev/null >/dev/null 2>&1 &
fi

echo "S3_ENDPOINT=http://127.0.0.1:$rgw_port"
echo "S3_ACCESS_KEY=$access"
echo "S3_SECRET_KEY=$secret"
