// Preloaded (`node -r`) into one bench child, for measuring only: every OS thread's CPU time
// (/proc/self/task/<tid>/schedstat, polled every 50 ms so that threads which end early count too),
// printed to stderr at exit per event ($THREADS_EVENTS, default 1,000,000) as the main thread, the
// busiest other thread (the logger's writer) and the rest together (V8's GC and compiler helpers,
// which serve both heaps). Linux only.
//   THREADS_EVENTS=500000 node -r ./bench/lib/thread-cpu.cjs --import tsx bench/logger.ts --child '{…}'
const wt = require('node:worker_threads');
const fs = require('node:fs');

if (wt.isMainThread) {
  const seen = new Map();
  const poll = () => {
    for (const t of fs.readdirSync('/proc/self/task')) {
      try {
        seen.set(Number(t), Number(fs.readFileSync(`/proc/self/task/${t}/schedstat`, 'latin1').split(' ')[0]));
      } catch {
        // the thread ended between the listing and the read
      }
    }
  };
  setInterval(poll, 50).unref();
  process.on('exit', () => {
    poll();
    const main = seen.get(process.pid) ?? 0;
    const others = [...seen]
      .filter(([t]) => t !== process.pid)
      .map(([, ns]) => ns)
      .sort((a, b) => b - a);
    const writer = others[0] ?? 0;
    const helpers = others.slice(1).reduce((s, ns) => s + ns, 0);
    const us = (ns) => (ns / Number(process.env.THREADS_EVENTS || 1e6) / 1e3).toFixed(2);
    process.stderr.write(
      `THREADS main ${us(main)} writer ${us(writer)} helpers ${us(helpers)} total ${us(main + writer + helpers)} us/event\n`,
    );
  });
}
