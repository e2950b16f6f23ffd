/**
 * Writes a synthetic trading day that a supervised desk would log (docs/FORMAT.md, "Trading
 * events"): logins, then per order a RiskCheck, OrderAccepted, sometimes an OrderModified or a
 * Cancelled, fills and the Filled status; heartbeats and alerts between. Lines average about 250
 * bytes; the chain is valid. Under the built-in policy it has a handful of findings (a few orders
 * are modified into a duplicate), as a real day would, not one per order.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

const SYMBOLS = ['EURUSD', 'GBPUSD', 'USDJPY', 'AUDUSD', 'USDCHF', 'EURGBP', 'NZDUSD', 'USDCAD'];
const USERS = ['trader0', 'trader1', 'trader2', 'trader3', 'trader4', 'trader5', 'trader6'];

/** Writes about `count` events for `date` to `path`. */
export function writeComplianceDay(path: string, date: string, count: number): { bytes: number; events: number } {
  const fd = openSync(path, 'w', 0o640);
  const dayStartUs = Date.parse(`${date}T00:00:00Z`) * 1000;
  const stepUs = Math.floor(86_400_000_000 / (count + 16));
  let prev = '0'.repeat(64);
  let buf = '';
  let bytes = 0;
  let seq = 0;
  const emit = (body: string): void => {
    seq++;
    const us = dayStartUs + seq * stepUs;
    const sec = Math.floor(us / 1e6);
    const frac = String(us % 1e6).padStart(6, '0');
    const iso = `${new Date(sec * 1000).toISOString().slice(0, 19)}.${frac}Z`;
    const line = `{"ts":${sec}.${frac},"iso_ts":"${iso}","seq":${seq},${body},"host":"trader-1","pid":4711,"prev":"${prev}"}`;
    prev = createHash('sha256').update(line).digest('hex');
    buf += `${line}\n`;
    if (buf.length > 1 << 20) {
      bytes += writeSync(fd, buf);
      buf = '';
    }
  };
  for (const u of USERS)
    emit(`"category":"auth","event":"Login","user":"${u}","source_ip":"10.0.0.${USERS.indexOf(u) + 10}"`);
  let n = 0;
  while (seq < count) {
    n++;
    const id = `O-${n}`;
    const sym = SYMBOLS[n % SYMBOLS.length] as string;
    const user = USERS[n % USERS.length] as string;
    const side = n % 2 === 0 ? 'BUY' : 'SELL';
    const qty = 1000 * (1 + (n % 50));
    const px = `1.${String(10000 + (n % 9000)).slice(1)}0`;
    emit(
      `"category":"risk","event":"RiskCheck","order_id":"${id}","symbol":"${sym}","result":"pass","score":0.${(n % 7) + 1},"checks":[{"name":"max_notional","passed":true},{"name":"price_collar","passed":true}],"reference_price":"${px}"`,
    );
    emit(
      `"category":"order","event":"OrderAccepted","order_id":"${id}","symbol":"${sym}","side":"${side}","quantity":${qty},"price":"${px}","user":"${user}","strategy":"mr-${n % 5}","venue":"LMAX","acct":"A42"`,
    );
    if (n % 10 === 3)
      emit(
        `"category":"order","event":"OrderModified","order_id":"${id}","symbol":"${sym}","quantity":${qty},"price":"${px}","strategy":"mr-${n % 5}","venue":"LMAX"`,
      );
    if (n % 13 === 5) {
      emit(
        `"category":"order","event":"Cancelled","order_id":"${id}","symbol":"${sym}","reason":"user cancel","strategy":"mr-${n % 5}","venue":"LMAX"`,
      );
    } else {
      const half = qty / 2;
      emit(
        `"category":"fill","event":"PartiallyFilled","order_id":"${id}","deal_id":"D-${n}-1","symbol":"${sym}","side":"${side}","quantity":${half},"price":${px},"venue":"LMAX"`,
      );
      emit(
        `"category":"fill","event":"Filled","order_id":"${id}","deal_id":"D-${n}-2","symbol":"${sym}","side":"${side}","quantity":${qty - half},"price":${px},"venue":"LMAX"`,
      );
      emit(
        `"category":"order","event":"Filled","order_id":"${id}","symbol":"${sym}","quantity":${qty},"leaves_quantity":0`,
      );
    }
    if (n % 20 === 0) emit(`"category":"system","event":"Heartbeat","uptime_s":${n},"queue_depth":${n % 13}`);
    if (n % 97 === 0)
      emit(
        `"category":"alert","event":"AlertSent","alert_type":"exposure","message":"${sym} exposure 80%","severity":"MEDIUM"`,
      );
  }
  if (buf !== '') bytes += writeSync(fd, buf);
  closeSync(fd);
  return { bytes, events: seq };
}
