// Preloaded (`node -r`) for measuring only: every thread's memory, sampled every 200 ms. The
// library starts its threads with `execArgv: []` (they must not inherit an app's flags), so this
// gives each of them `-r` of itself. Per thread (main, t<threadId>) it appends
// "ms rss heapTotal heapUsed external arrayBuffers malloced new old lo" (MB; ms since $THREAD_MEMLOG_T0,
// e.g. `date +%s%3N`, or since the thread's start) to $THREAD_MEMLOG.<thread>. heapTotal..lo are the
// thread's own V8 heap (new/old/lo: the new, old and large-object spaces); rss is the process's.
// Usage: THREAD_MEMLOG=/dir/run THREAD_MEMLOG_T0=$(date +%s%3N) node -r ./bench/lib/thread-memory.cjs bin/auditpack.js verify …
const wt = require('node:worker_threads');
const fs = require('node:fs');
const v8 = require('node:v8');
const { syncBuiltinESMExports } = require('node:module');

const base = process.env.THREAD_MEMLOG;
if (base) {
  if (wt.isMainThread) {
    const Base = wt.Worker;
    wt.Worker = class extends Base {
      constructor(url, opts = {}) {
        super(url, { ...opts, execArgv: [...(opts.execArgv ?? []), '-r', __filename] });
      }
    };
    syncBuiltinESMExports();
  }
  const out = `${base}.${wt.isMainThread ? 'main' : `t${wt.threadId}`}`;
  const t0 = Number(process.env.THREAD_MEMLOG_T0 || Date.now());
  let rows = [];
  const flush = () => {
    if (rows.length > 0) fs.appendFileSync(out, `${rows.join('\n')}\n`);
    rows = [];
  };
  const tick = () => {
    const m = process.memoryUsage();
    const space = {};
    for (const s of v8.getHeapSpaceStatistics()) space[s.space_name] = s.space_size;
    const mb = [m.rss, m.heapTotal, m.heapUsed, m.external, m.arrayBuffers, v8.getHeapStatistics().malloced_memory];
    mb.push(space.new_space, space.old_space, space.large_object_space);
    rows.push([Date.now() - t0, ...mb.map((x) => ((x ?? 0) / 1e6).toFixed(1))].join(' '));
    if (rows.length >= 20) flush(); // a terminated thread never reaches 'exit'
  };
  fs.writeFileSync(out, 'ms rss heapTotal heapUsed external arrayBuffers malloced new old lo\n');
  setInterval(tick, 200).unref();
  process.on('exit', () => {
    tick();
    flush();
  });
}
