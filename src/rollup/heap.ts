/** A binary min-heap with a comparison function (the merge's only data structure). */
export class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(x: T): void {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i] as T, a[p] as T)) break;
      [a[i], a[p]] = [a[p] as T, a[i] as T];
      i = p;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    a[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.less(a[l] as T, a[m] as T)) m = l;
      if (r < a.length && this.less(a[r] as T, a[m] as T)) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m] as T, a[i] as T];
      i = m;
    }
    return top;
  }
}

/**
 * A host file's reorder window: what the merge holds back to put slightly straying rows in order.
 * Rows almost always arrive in order, so the window is a sorted array appended to at the back (one
 * comparison) and read from the front; a row that arrives early is inserted at its place (binary
 * search). Equal keys keep their arrival order. It pops what a min-heap would, for far fewer
 * comparisons on the common path.
 */
export class ReorderWindow<T> {
  private items: T[] = [];
  private head = 0;

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length - this.head;
  }

  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  push(x: T): void {
    const a = this.items;
    if (this.head === a.length || !this.less(x, a[a.length - 1] as T)) {
      a.push(x);
      return;
    }
    let lo = this.head;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.less(x, a[mid] as T)) hi = mid;
      else lo = mid + 1;
    }
    a.splice(lo, 0, x);
  }

  pop(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head] as T;
    this.items[this.head++] = undefined as T; // let the row go
    // Drop the consumed front now and then, so the array stays about the window's size.
    if (this.head >= 4096 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
}
