#!/usr/bin/env bash
# What the chain's config-of-record walk costs a nightly export (fx27a; docs/PERFORMANCE.md).
# bench/export-config-of-record.sh <bin A> <bin B> [events per day]
# Builds one history per build in $TMPDIR/ecor-{a,b}: 7 day files of ~50 MB (120,000 order lines),
# a snapshot on day 0, nightly exports of days 0-5 at 00:05 the next day (faketime) with that build;
# then times the export of day 6 (yesterday) on a fresh `cp -a`, alternating A B B A (3 rounds),
# and build B on A's history (the first export after an upgrade: no PackExported carries
# config_of_record yet). Prints CPU user, sys and wall seconds and the load average.
set -eu
A=$1; B=$2; N=${3:-120000}; T=${TMPDIR:-/tmp}; export TZ=UTC
here=$(cd "$(dirname "$0")/.." && pwd)
days=(); for n in 7 6 5 4 3 2 1; do days+=("$(date -u -d "$n days ago" +%F)"); done
gen() { # gen <bin> <logDir> <date>
  node --input-type=module -e "
import { createAuditLogger } from '$(dirname "$(dirname "$1")")/dist/index.js';
let t = Date.parse('$3T01:00:00Z') * 1000;
const logger = createAuditLogger({ logDir: '$2', handleExit: false, clock: () => (t += 1000), host: 'h', pid: 42 });
for (let i = 0; i < $N; i++) {
  logger.log('order', 'OrderAccepted', { order_id: 'A-' + i, symbol: 'GBPUSD', side: 'BUY', quantity: 1, price: '1.10050', note: 'x'.repeat(120) });
  if (i % 5000 === 0) await new Promise((r) => setImmediate(r));
}
await logger.close();"
}
setup() { # setup <dir> <bin>
  rm -rf "$1"; mkdir -p "$1/configs"; cp "$here"/configs/*.yaml "$1/configs/"
  (cd "$1"
   faketime "${days[0]} 00:30:00" node "$2" snapshot --log-dir logs --reason init --configs 'configs/*.yaml' >/dev/null
   for i in 0 1 2 3 4 5 6; do
     gen "$2" logs "${days[$i]}"
     if [ $i -lt 6 ]; then faketime "${days[$((i + 1))]} 00:05:00" node "$2" export --date "${days[$i]}" --log-dir logs --artifacts-dir art >/dev/null 2>&1 || [ $? = 3 ]; fi
   done)
}
run() { # run <history> <bin>
  rm -rf "$T/ecor-w"; cp -a "$1" "$T/ecor-w"
  (cd "$T/ecor-w" && /usr/bin/time -f "%U %S %e" faketime "$(date -u +%F) 00:05:00" node "$2" export --date "${days[6]}" --log-dir logs --artifacts-dir art 2>&1 >/dev/null | tail -1)
}
setup "$T/ecor-a" "$A"; setup "$T/ecor-b" "$B"
for k in 1 2 3; do
  echo "A $(run "$T/ecor-a" "$A") load $(cut -d' ' -f1 /proc/loadavg)"
  echo "B $(run "$T/ecor-b" "$B") load $(cut -d' ' -f1 /proc/loadavg)"
  echo "B $(run "$T/ecor-b" "$B") load $(cut -d' ' -f1 /proc/loadavg)"
  echo "A $(run "$T/ecor-a" "$A") load $(cut -d' ' -f1 /proc/loadavg)"
done
echo "B on A's history (first export after the upgrade): $(run "$T/ecor-a" "$B")"
