// Preloaded (`node -r`) by bench/compliance-attribution.ts into each timed export, for measuring
// only: the library starts its threads with `execArgv: []` (they must not inherit an app's flags),
// so this gives them `--cpu-prof` into $THREAD_PROFILE_DIR, and records every OS thread's CPU time
// (utime + stime from /proc/self/task, polled every 50 ms, so that threads which end early count
// too) into $THREAD_PROFILE_DIR/threads.json at exit. Linux only.
const wt = require('node:worker_threads');
const fs = require('node:fs');
const { syncBuiltinESMExports } = require('node:module');

const dir = process.env.THREAD_PROFILE_DIR;
if (dir && wt.isMainThread) {
  const Base = wt.Worker;
  wt.Worker = class extends Base {
    constructor(url, opts = {}) {
      super(url, { ...opts, execArgv: [...(opts.execArgv ?? []), '--cpu-prof', `--cpu-prof-dir=${dir}`] });
    }
  };
  syncBuiltinESMExports();
  const seen = new Map();
  const poll = () => {
    for (const t of fs.readdirSync('/proc/self/task')) {
      try {
        const st = fs.readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
        const close = st.lastIndexOf(')');
        const f = st.slice(close + 2).split(' ');
        // Fields 14 and 15 of stat (utime, stime), in clock ticks of 1/100 s.
        seen.set(Number(t), {
          name: st.slice(st.indexOf('(') + 1, close),
          cpu: (Number(f[11]) + Number(f[12])) / 100,
        });
      } catch {
        // the thread ended between the listing and the read
      }
    }
  };
  setInterval(poll, 50).unref();
  process.on('exit', () => {
    poll();
    const threads = [...seen].sort((a, b) => a[0] - b[0]).map(([tid, t]) => ({ tid, ...t }));
    fs.writeFileSync(`${dir}/threads.json`, JSON.stringify({ pid: process.pid, threads }));
  });
}
