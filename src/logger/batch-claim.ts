/**
 * The one decision of who writes a batch handed to the writer thread (offload.ts): the worker, or
 * the main thread's exit path. Both sides raise one shared mark with compare-and-swap; whoever raises
 * it past a batch's id writes that batch, the other never does. Its own module so that the worker
 * and the main thread share it without either loading the other.
 */

/**
 * Raises the shared "writer decided" mark to `id` unless it is already there; returns the mark as it
 * was. Batches are numbered in the order they are written, so the mark only grows: the batches at or
 * below the returned value were claimed earlier (by the worker, or by a previous exit drain).
 */
export function claimUpTo(claimed: Int32Array, id: number): number {
  for (;;) {
    const c = Atomics.load(claimed, 0);
    if (c >= id) return c;
    if (Atomics.compareExchange(claimed, 0, c, id) === c) return c;
  }
}
