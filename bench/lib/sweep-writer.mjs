// One writer process of a sweep day: logs `count` events of the requested shape through the built
// library (dist/), with a clock that walks through the day, so the day's file is exactly what the
// logger writes for that traffic (redaction, chain, provenance, and with several processes the
// lock and interleaving of real concurrent writers).
//
//   node bench/lib/sweep-writer.mjs <logDir> <YYYY-MM-DD> <count> <writerIndex> <lineBytes> <alertShare> <redact 0|1>
import { createAuditLogger } from '../../dist/index.js';

const [logDir, date, countS, indexS, lineBytesS, alertShareS, redactS] = process.argv.slice(2);
const count = Number(countS);
const index = Number(indexS);
const lineBytes = Number(lineBytesS);
const alertShare = Number(alertShareS);
const redact = redactS === '1';

const WORDS = ['limit', 'breach', 'venue', 'latency', 'spread', 'hedge', 'rebalance', 'quote', 'book', 'depth'];
const SYMBOLS = ['EURUSD', 'GBPUSD', 'USDJPY', 'XAUUSD', 'AAPL', 'MSFT', 'ES=F', 'BTC-USD'];
const dayStartUs = Date.parse(`${date}T00:00:00Z`) * 1000;
const stepUs = Math.floor(86_000_000_000 / (count + 1));
let i = 0;
// Each writer's clock walks through the day; writers are offset by a few µs so their lines interleave.
const clock = () => dayStartUs + (i + 1) * stepUs + index * 7;

let seed = 0x9e3779b9 ^ index;
function rand() {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}

/** Filler text of about `n` bytes made of words (varied, so nothing compresses to nothing). */
function filler(n) {
  let s = '';
  while (s.length < n) s += `${WORDS[Math.floor(rand() * WORDS.length)]} ${Math.floor(rand() * 1e6)} `;
  return s.slice(0, Math.max(0, n));
}

// The envelope (ts, iso_ts, seq, category, event, host, pid, prev) takes about 200 bytes: below 250
// the writer makes the shortest lines the format allows (short host, only the fields the CSVs need).
const compact = lineBytes < 250;
const pad = compact ? 0 : Math.max(0, lineBytes - 330);
const audit = createAuditLogger({
  logDir,
  clock,
  host: compact ? 'h1' : 'sweep-host',
  offload: true,
  handleExit: true,
});
// Each order runs a supervised lifecycle, as a desk logs it (docs/FORMAT.md, "Trading events"): a
// passing RiskCheck, OrderAccepted, two fills and the Filled status (every 25th order is cancelled
// instead); a login now and then (with secrets in the `redacted` rows); alerts in between at the
// requested share. So the checks see a normal day with few findings, not one per line.
let n = 0;
let step = 0;
const USERS = ['trader0', 'trader1', 'trader2', 'trader3'];

/** The next event of the current order's lifecycle, as [category, event, fields]. */
function lifecycle() {
  const id = compact ? n.toString(36) : `O-${index}-${n}`;
  const sym = SYMBOLS[n % SYMBOLS.length];
  const side = n % 2 ? 'SELL' : 'BUY';
  const px = `1.${String(10000 + (n % 9000)).slice(1)}0`;
  const user = USERS[n % USERS.length];
  const extra = pad > 0 ? { note: filler(pad) } : {};
  const cancel = n % 25 === 7;
  const s = step++;
  if (s === 0 && n % 10 === 0) {
    step = 0;
    n++;
    const secrets = redact
      ? {
          password: `hunter${n}`,
          api_key: `sk_live_${(n * 7919).toString(36).padStart(24, 'x')}`,
          message: `token=ghp_${'a'.repeat(36)}`,
        }
      : {};
    return ['auth', 'Login', { user, ...(compact ? {} : { source_ip: `10.0.${n % 255}.9` }), ...secrets, ...extra }];
  }
  if (s === 0)
    return [
      'risk',
      'RiskCheck',
      compact
        ? { order_id: id, result: 'pass' }
        : {
            order_id: id,
            symbol: sym,
            result: 'pass',
            score: 0.2,
            checks: [{ name: 'max_notional', passed: true }],
            reference_price: px,
            ...extra,
          },
    ];
  if (s === 1)
    return [
      'order',
      'OrderAccepted',
      compact
        ? { order_id: id, quantity: 2, user }
        : {
            order_id: id,
            symbol: sym,
            side,
            quantity: 2000,
            price: px,
            user,
            strategy: `mr-${n % 5}`,
            venue: 'LMAX',
            ...extra,
          },
    ];
  if (cancel || s === 4) {
    step = 0;
    n++;
    if (cancel)
      return [
        'order',
        'Cancelled',
        { order_id: id, ...(compact ? {} : { symbol: sym, reason: 'user cancel', ...extra }) },
      ];
    return [
      'order',
      'Filled',
      compact
        ? { order_id: id, quantity: 2 }
        : { order_id: id, symbol: sym, quantity: 2000, leaves_quantity: 0, ...extra },
    ];
  }
  const deal = `D-${index}-${n}-${s}`;
  const ev = s === 2 ? 'PartiallyFilled' : 'Filled';
  return [
    'fill',
    ev,
    compact
      ? { order_id: id, quantity: 1 }
      : { order_id: id, deal_id: deal, symbol: sym, side, quantity: 1000, price: px, venue: 'LMAX', ...extra },
  ];
}

function logOne() {
  if (rand() < alertShare) {
    const sev = rand() < 0.2 ? 'HIGH' : 'MEDIUM';
    const sym = SYMBOLS[i % SYMBOLS.length];
    const extra = pad > 0 ? { note: filler(pad) } : {};
    audit.log(
      'alert',
      'AlertSent',
      compact
        ? { severity: sev }
        : {
            alert_type: 'risk_limit',
            message: `${sym} exposure ${Math.floor(rand() * 100)}%`,
            severity: sev,
            ...extra,
          },
    );
    return;
  }
  const [category, event, fields] = lifecycle();
  audit.log(category, event, fields);
}

for (const user of USERS) audit.log('auth', 'Login', { user });
for (i = 0; i < count; i++) {
  logOne();
  // Let the writer catch up now and then, as a real app's event loop would.
  if (i % 20000 === 19999) await new Promise((res) => setImmediate(res));
}
await audit.close();
