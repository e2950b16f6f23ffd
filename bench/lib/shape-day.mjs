// A day of one of the shapes the sweep does not write, through the built library (dist/): the real
// logger (redaction, chain, lock), a clock walking through the day. Used by docs/PERFORMANCE.md's
// sections on memory by day shape.
//
//   node bench/lib/shape-day.mjs open-orders <logDir> <YYYY-MM-DD> <count>
//     <count> GTC OrderAccepted never closed (40-character ids, one symbol, strategy and venue),
//     20 ms apart: the day of many open orders, and (exported) the state the next day carries.
//   node bench/lib/shape-day.mjs options <logDir> <YYYY-MM-DD> <count>
//     an options desk: <count> orders each on its own contract (its own symbol), a passing risk
//     check before each, one in three filled (a fill and the Filled status), the rest cancelled;
//     8 strategies, 5 venues, 4 users logged in; 80 ms apart.
//   node bench/lib/shape-day.mjs churn <logDir> <YYYY-MM-DD> <count>
//     <count>/5 GTC OrderAccepted (150-character ids, a symbol each), then 2 × <count>/5 pairs of an
//     order Filled (a random open one, seeded) and a new one accepted: orders closing in any order
//     and their slots and id blocks taken again by new ones, so that nearly every id and opening
//     line's digest the checks touch is in a piece of the spill file (src/compliance/spill.ts): its
//     worst case (docs/decisions.md, at72). Use the policy without risk checks or logins.
import { createAuditLogger } from '../../dist/index.js';

const [shape, logDir, date, countS] = process.argv.slice(2);
const count = Number(countS);
if (!['open-orders', 'options', 'churn'].includes(shape) || !logDir || !date || !(count > 0)) {
  console.error('usage: node bench/lib/shape-day.mjs open-orders|options|churn <logDir> <YYYY-MM-DD> <count>');
  process.exit(2);
}
const start = Date.parse(`${date}T00:00:00Z`) * 1000;
let t = 0;
const audit = createAuditLogger({
  logDir,
  clock: () => start + t,
  host: `${shape}-host`,
  offload: true,
  handleExit: true,
});
const USERS = ['alice', 'bob', 'carol', 'dave'];
if (shape === 'churn') {
  const churnId = (i) => `GTC-${String(i).padStart(8, '0')}-${'x'.repeat(137)}`;
  const churnSym = (i) => `Sym-${String(i).padStart(10, '0')}-Opt-${'Ab'.repeat(20)}`;
  const step = Math.floor(86_000_000_000 / count);
  let seed = 99;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const open = [];
  let next = 0;
  const accept = () => {
    const i = next++;
    open.push(i);
    audit.log('order', 'OrderAccepted', {
      order_id: churnId(i),
      symbol: churnSym(i),
      side: 'BUY',
      quantity: 10,
      price: 1.5,
      time_in_force: 'GTC',
      strategy: 's',
      venue: 'v',
    });
  };
  for (let e = 0; e < count; e++) {
    t = e * step;
    if (e < count / 5 || e % 2 === 1) accept();
    else {
      const j = Math.floor(rnd() * open.length);
      const i = open[j];
      open[j] = open[open.length - 1];
      open.pop();
      audit.log('order', 'Filled', { order_id: churnId(i), symbol: churnSym(i), quantity: 10, leaves_quantity: 0 });
    }
    if (e % 500 === 499) await new Promise((r) => setImmediate(r));
  }
}
if (shape === 'options') for (const user of USERS) audit.log('auth', 'Login', { user });
for (let i = 0; shape !== 'churn' && i < count; i++) {
  if (shape === 'open-orders') {
    t = i * 20_000;
    audit.log('order', 'OrderAccepted', {
      order_id: `GTC-${String(i).padStart(36, '0')}`,
      symbol: 'EURUSD',
      side: i % 2 ? 'SELL' : 'BUY',
      quantity: 1 + (i % 100),
      price: 1.1,
      time_in_force: 'GTC',
      strategy: 'carry',
      venue: 'LMAX',
    });
  } else {
    t = 1000 + i * 80_000;
    const strike = String(100000 + (i % 90000) * 50).padStart(8, '0');
    const root = ['AAPL', 'MSFT', 'NVDA', 'SPY', 'QQQ', 'TSLA'][i % 6].padEnd(6, ' ');
    const sym = `${root}${261218 + Math.floor(i / 90000)}${i % 2 ? 'C' : 'P'}${strike}`;
    const order_id = `O${i}`;
    audit.log('risk', 'RiskCheck', { order_id, result: 'pass', score: 0.1, reference_price: 1.1 });
    audit.log('order', 'OrderAccepted', {
      order_id,
      symbol: sym,
      side: 'BUY',
      quantity: 1,
      price: 1.1,
      time_in_force: 'DAY',
      strategy: `mm${i % 8}`,
      venue: `X${i % 5}`,
      user: USERS[i % 4],
    });
    if (i % 3 === 0) {
      audit.log('fill', 'Filled', {
        order_id,
        deal_id: `D${i}`,
        symbol: sym,
        side: 'BUY',
        quantity: 1,
        price: 1.1,
        venue: `X${i % 5}`,
      });
      audit.log('order', 'Filled', { order_id, symbol: sym, quantity: 1, leaves_quantity: 0 });
    } else audit.log('order', 'Cancelled', { order_id, symbol: sym, reason: 'requote' });
  }
  if (i % 500 === 499) await new Promise((r) => setImmediate(r));
}
await audit.close();
