/**
 * V8 heap flags a process chose for all its heaps (the CLI's compact heap, src/cli/heap.ts), and
 * setting them again once a thread has started. V8 raises `--semi-space-growth-factor` back to at
 * least 2 each time it makes a heap (Heap::ConfigureHeap), and the flags are the whole process's:
 * every worker thread started (the export's scan, verify's hashing, the logger's writer) undid the
 * CLI's setting for the main thread too, whose young generation then grew to V8's 2 × 16 MB.
 * A library user's process chooses nothing here, so nothing is set for it.
 */
import { setFlagsFromString } from 'node:v8';

let chosen: readonly string[] = [];

/** Sets `flags` for the process now, and again after each thread starts (reassertHeapFlags). */
export function setProcessHeapFlags(flags: readonly string[]): void {
  chosen = [...flags];
  reassertHeapFlags();
}

/** Sets the chosen flags again (after a thread made its heap); nothing when none were chosen. */
export function reassertHeapFlags(): void {
  for (const f of chosen) setFlagsFromString(f);
}
