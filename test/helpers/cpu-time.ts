/**
 * CPU milliseconds (user + system, every thread of this process) that `f` takes. The linearity
 * guards compare a hostile input's cost with as much log text: wall time on a busy machine (a CI
 * running test files side by side on 2 cores) inflates one run and not the other, CPU time much less
 * (vitest's forks pool: one test file per process, so the process's time is this test's).
 */
export function cpuMs(f: () => void): number {
  const t0 = process.cpuUsage();
  f();
  const used = process.cpuUsage(t0);
  return (used.user + used.system) / 1000;
}
