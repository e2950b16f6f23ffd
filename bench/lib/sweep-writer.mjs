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
/** The shortest events: only the fields the CSVs and checks key on. */
function logCompact() {
  const r = rand();
  const id = i.toString(36);
  if (r < alertShare) audit.alert({ severity: 'HIGH' });
  else if (r < alertShare + (1 - alertShare) * 0.5) audit.order('OrderAccepted', { orderId: id, quantity: 1 });
  else if (r < alertShare + (1 - alertShare) * 0.9) audit.fill({ orderId: id, quantity: 1 });
  else audit.auth('Login', redact ? { user: 'u', password: `p${id}` } : { user: 'u' });
}

function logFull() {
  const r = rand();
  const sym = SYMBOLS[i % SYMBOLS.length];
  const extra = pad > 0 ? { note: filler(pad) } : {};
  if (r < alertShare) {
    audit.alert({
      alertType: 'risk_limit',
      message: `${sym} exposure ${Math.floor(rand() * 100)}%`,
      severity: rand() < 0.2 ? 'HIGH' : 'MEDIUM',
      ...extra,
    });
  } else if (r < alertShare + (1 - alertShare) * 0.5) {
    audit.order('OrderAccepted', {
      orderId: `O-${index}-${i}`,
      symbol: sym,
      side: i % 2 ? 'SELL' : 'BUY',
      quantity: 1000 + (i % 50) * 100,
      price: 1.1 + (i % 97) / 10000,
      ...extra,
    });
  } else if (r < alertShare + (1 - alertShare) * 0.9) {
    audit.fill({
      orderId: `O-${index}-${i - 1}`,
      dealId: `D-${index}-${i}`,
      symbol: sym,
      side: i % 2 ? 'SELL' : 'BUY',
      quantity: 500,
      price: 1.1 + (i % 89) / 10000,
      ...extra,
    });
  } else if (redact) {
    audit.auth('Login', {
      user: `trader${i % 7}`,
      password: `hunter${i}`,
      api_key: `sk_live_${(i * 7919).toString(36).padStart(24, 'x')}`,
      message: `token=ghp_${'a'.repeat(36)}`,
      ...extra,
    });
  } else {
    audit.auth('Login', { user: `trader${i % 7}`, source_ip: `10.0.${i % 255}.${(i * 7) % 255}`, ...extra });
  }
}

for (i = 0; i < count; i++) {
  if (compact) logCompact();
  else logFull();
  // Let the writer catch up now and then, as a real app's event loop would.
  if (i % 20000 === 19999) await new Promise((res) => setImmediate(res));
}
await audit.close();
