/**
 * The CSV writer's quote-doubling append (ByteSink.sliceJsonDoublingQuotes) per byte, by the length of
 * the runs of ordinary bytes between quotes (or between semicolons, `--semicolons`), for one or two
 * builds side by side, alternating: a change to the append must hold on short runs (keys, ids, UUIDs)
 * and long ones (free text) alike.
 *
 *   npx tsx bench/csv-runs.ts [<dist A>] [<dist B>] [--semicolons]     # default: this tree's dist/
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Sink {
  sliceJsonDoublingQuotes(src: Uint8Array, start: number, end: number): void;
  clear(): void;
}
type SinkClass = new (initial: number) => Sink;

const args = process.argv.slice(2);
const semicolons = args.includes('--semicolons');
const dists = args.filter((a) => !a.startsWith('--'));
if (dists.length === 0) dists.push('dist');

const builds: [string, SinkClass][] = [];
for (const d of dists) {
  const m = (await import(pathToFileURL(resolve(d, 'fsx/byte-sink.js')).href)) as { GrowableByteSink: SinkClass };
  builds.push([d, m.GrowableByteSink]);
}

const ROUNDS = 200;
for (const run of [8, 20, 36, 50, 100, 257, 300, 500, 4000]) {
  const filler = 'x'.repeat(run);
  const piece = semicolons ? `;${filler};=` : `"${filler}"`;
  const text = Buffer.from(piece.repeat(Math.ceil(100_000 / piece.length)));
  const cells: string[] = [];
  for (let round = 0; round < 2; round++) {
    for (const [name, Sink] of builds) {
      const sink = new Sink(1 << 20);
      const t = process.hrtime.bigint();
      for (let k = 0; k < ROUNDS; k++) {
        sink.clear();
        sink.sliceJsonDoublingQuotes(text, 0, text.length);
      }
      const ns = Number(process.hrtime.bigint() - t) / (ROUNDS * text.length);
      if (round === 1) cells.push(`${name} ${ns.toFixed(2)} ns/B`);
    }
  }
  console.log(`run ${String(run).padStart(4)} B: ${cells.join('   ')}`);
}
