#!/usr/bin/env bash
# CPU (user+sys) of `auditpack export` of a 15.6 MB day (50,000 events), with the day's one honest
# snapshot record, clean and with 200 records planted in the store on that day; builds A and B
# alternated (A B B A per round). Usage: bash bench/export-planted-records.sh <build A> <build B> [rounds]
# (a build is a checkout with dist/ built). Prints "build set cpu_s rc load".
set -eu
A=$(cd "$1" && pwd); B=$(cd "$2" && pwd); ROUNDS=${3:-2}
W=$(mktemp -d); D=$(date -u -d '3 days ago' +%F); T=$(date -u +%Y%m%d)
cat > "$W/setup.mjs" <<JS
import { createAuditLogger, createConfigSnapshot } from '$A/dist/index.js';
const [, , dir, date, n] = process.argv;
let t = Date.parse(date + 'T01:00:00Z') * 1000;
const logger = createAuditLogger({ logDir: dir + '/logs', handleExit: false, clock: () => (t += 1_000_000), host: 'h', pid: 42 });
for (let i = 0; i < Number(n); i++)
  logger.log('order', 'OrderAccepted', { order_id: 'O-' + i, symbol: 'EURUSD', side: 'BUY', quantity: 1, price: '1.1' });
await logger.close();
await createConfigSnapshot({ cwd: dir, reason: 'initial', logDir: dir + '/logs', patterns: ['configs/*.yaml'],
  clock: () => Date.parse(date + 'T00:30:00Z') * 1000 });
JS
for v in clean planted; do
  mkdir -p "$W/$v/configs"; echo 'a: 1' > "$W/$v/configs/x.yaml"
  node "$W/setup.mjs" "$W/$v" "$D" 50000
done
python3 - "$W/planted" "$D" <<'PY'
import json, os, sys
root, d = sys.argv[1], sys.argv[2]; dd = d.replace('-', ''); s = root + '/audit/snapshots/'
o = json.load(open(s + [f for f in os.listdir(s) if f.endswith('.json')][0]))
for i in range(200):
    sid = '%sT%02d%02d00.000000Z-000' % (dd, 2 + i // 60, i % 60)
    o['snapshot_id'] = sid; o['timestamp'] = '%sT%02d:%02d:00.000000Z' % (d, 2 + i // 60, i % 60)
    json.dump(o, open(s + sid + '.json', 'w'))
PY
run() {
  local b=$1 v=$2
  cd "$W/$v"; chmod -R u+w art 2>/dev/null || true; rm -rf art "logs/audit-$T.jsonl" audit/snapshots/"$T"*.json
  local rc=0; /usr/bin/time -f "cpu %U %S" -o "$W/t.txt" node "$b/bin/auditpack.js" export --date "$D" --log-dir logs --artifacts-dir art >/dev/null 2>&1 || rc=$?
  echo "$b $v $(awk '/^cpu/{printf "%.2f", $2+$3}' "$W/t.txt") rc=$rc load=$(cut -d' ' -f1 /proc/loadavg)"
}
for _ in $(seq "$ROUNDS"); do
  for v in clean planted; do run "$A" $v; run "$B" $v; run "$B" $v; run "$A" $v; done
done
chmod -R u+w "$W"; rm -rf "$W"
