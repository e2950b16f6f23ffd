/**
 * A JSON object read in pieces, one member at a time, and each list member one item at a time: a
 * document of hundreds of megabytes (a carried compliance state of half a million open orders)
 * is never held whole, nor parsed into one tree. Each piece handed on is a complete JSON value's
 * bytes, which the caller parses with JSON.parse (the reference grammar); this scanner only finds
 * where the values start and end, and holds the few bytes between them to JSON's own grammar
 * (RFC 8259 §2, §4, §5): `{`, members `"key":value` separated by `,`, `}`, whitespace only between
 * tokens, nothing after the end. So a document it accepts is one JSON.parse accepts, with the same
 * members and items, in the same order (the tests compare them on random documents cut at random
 * places). Two differences, on purpose: a key the sink uses (MemberSink `uses`) named twice is
 * refused (JSON.parse keeps the last), since a reader that has already used the first could not
 * honour that; and a value nested more than MAX_DEPTH deep is refused (RFC 8259 §9 lets a parser
 * limit nesting): JSON.parse builds a document of `[` bytes as one array per byte, 200 MB of them
 * took 8 GB and aborted the process (out of heap), where no document this reads nests 5 deep.
 */

/** The deepest a value may nest (its own `{` or `[` counted as 1; a member's list as 0). */
export const MAX_DEPTH = 64;

/** What the scanner hands on. */
export interface MemberSink {
  /** A member whose value is not a list: its key and the value's JSON bytes. */
  value(key: string, json: Buffer): void;
  /** A member whose value is a list, before its items; `at`: the offset of its `[` in the document. */
  list(key: string, at: number): void;
  /** The end of the list member `key`; `end`: the offset just past its `]`. */
  listEnd?(key: string, end: number): void;
  /** The item `index` of the list member `key`: its JSON bytes. */
  item(key: string, index: number, json: Buffer): void;
  /**
   * Whether the sink reads the member `key` (undefined: every member). Only these are held to be
   * named once: one the sink skips has no meaning to give twice, and its name is not kept (a
   * document of millions of such names held them all).
   */
  uses?(key: string): boolean;
}

/** The document is not JSON of this shape (an object); `message` says where. */
export class MemberStreamError extends Error {}

enum S {
  Start,
  FirstKey,
  Key,
  Colon,
  Value,
  FirstItem,
  Item,
  AfterItem,
  AfterMember,
  Done,
}

const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * Fed a document's bytes in pieces of any size (`push`, then `end`); throws MemberStreamError at
 * the first byte out of the grammar above, or when a value's JSON.parse would fail (the caller's).
 */
export class MemberScanner {
  private state = S.Start;
  private key = '';
  private index = 0;
  private readonly seen = new Set<string>();
  /** The bytes of a value begun in an earlier piece (undefined: none under way). */
  private held: Buffer[] | undefined;
  /** Within the value under way: its nesting depth, in a string, after a backslash. */
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The value under way is a bare word or number (ends at the first delimiter). */
  private bare = false;
  /** Bytes taken in so far (for messages). */
  private offset = 0;

  /**
   * `inList`: the document is one list member's value alone (from its `[` to its `]`, as a whole
   * document's scan placed them: MemberSink `list` and `listEnd`), its items handed on as `inList`'s.
   */
  constructor(
    private readonly sink: MemberSink,
    inList?: string,
  ) {
    if (inList === undefined) return;
    this.key = inList;
    this.state = S.Value;
    this.inList = true;
  }
  private readonly inList: boolean = false;

  /** Takes the next piece of the document. */
  push(piece: Buffer): void {
    let i = 0;
    const n = piece.length;
    while (i < n) {
      if (this.held !== undefined) {
        i = this.continueValue(piece, i);
        continue;
      }
      const b = piece[i] as number;
      if (isSpace(b)) {
        i++;
        continue;
      }
      i = this.token(piece, i, b);
    }
    this.offset += n;
  }

  /** The document has ended: throws unless it was a whole object. */
  end(): void {
    if (this.held !== undefined || this.state !== (this.inList ? S.AfterMember : S.Done))
      throw this.fail('the document ends before its object does');
  }

  private fail(what: string, at?: number): MemberStreamError {
    return new MemberStreamError(at === undefined ? what : `${what} at byte ${this.offset + at}`);
  }

  /** A structural byte `b` at `i` (not whitespace): returns where to go on. */
  private token(piece: Buffer, i: number, b: number): number {
    switch (this.state) {
      case S.Start:
        if (b !== 0x7b) throw this.fail('not an object', i);
        this.state = S.FirstKey;
        return i + 1;
      case S.FirstKey:
        if (b === 0x7d) {
          this.state = S.Done;
          return i + 1;
        }
        return this.startKey(piece, i, b);
      case S.Key:
        return this.startKey(piece, i, b);
      case S.Colon:
        if (b !== 0x3a) throw this.fail('a key without its colon', i);
        this.state = S.Value;
        return i + 1;
      case S.Value:
        if (b === 0x5b) {
          this.sink.list(this.key, this.offset + i);
          this.index = 0;
          this.state = S.FirstItem;
          return i + 1;
        }
        return this.startValue(piece, i, b);
      case S.FirstItem:
        if (b === 0x5d) return this.listEnds(i);
        return this.startValue(piece, i, b);
      case S.Item:
        return this.startValue(piece, i, b);
      case S.AfterItem:
        if (b === 0x5d) return this.listEnds(i);
        if (b !== 0x2c) throw this.fail('a list item not followed by a comma or the list end', i);
        this.state = S.Item;
        return i + 1;
      case S.AfterMember:
        if (this.inList) throw this.fail('bytes after the end of the list', i);
        if (b === 0x2c) this.state = S.Key;
        else if (b === 0x7d) this.state = S.Done;
        else throw this.fail('a member not followed by a comma or the object end', i);
        return i + 1;
      default:
        throw this.fail('bytes after the end of the object', i);
    }
  }

  /** The `]` at `i` ends the list under way. */
  private listEnds(i: number): number {
    this.state = S.AfterMember;
    this.sink.listEnd?.(this.key, this.offset + i + 1);
    return i + 1;
  }

  private startKey(piece: Buffer, i: number, b: number): number {
    if (b !== 0x22) throw this.fail('not a key where one must be', i);
    return this.startValue(piece, i, b);
  }

  private startValue(piece: Buffer, i: number, b: number): number {
    if (b === 0x5d || b === 0x7d || b === 0x2c || b === 0x3a) throw this.fail('no value where one must be', i);
    this.held = [];
    this.depth = b === 0x7b || b === 0x5b ? 1 : 0;
    this.inString = b === 0x22;
    this.escaped = false;
    this.bare = this.depth === 0 && !this.inString;
    return this.continueValue(piece, i + (this.bare ? 0 : 1), i);
  }

  /**
   * Scans the value under way from `i` (its first byte at `from` in this piece, or held from
   * earlier pieces): hands it on when it ends here, else holds this piece's part of it.
   */
  private continueValue(piece: Buffer, i: number, from = 0): number {
    const n = piece.length;
    if (this.bare) {
      for (; i < n; i++) {
        const b = piece[i] as number;
        if (isSpace(b) || b === 0x2c || b === 0x5d || b === 0x7d) return this.valueEnds(piece, from, i);
      }
      return this.hold(piece, from);
    }
    let depth = this.depth;
    let inString = this.inString;
    // The byte a backslash at the end of the last piece escapes.
    if (this.escaped) i++;
    this.escaped = false;
    while (i < n) {
      if (inString) {
        // To the closing quote, two bytes at a time past a backslash (JSON.parse checks the escapes).
        for (;;) {
          if (i >= n) break;
          const b = piece[i] as number;
          if (b === 0x22) break;
          i += b === 0x5c ? 2 : 1;
        }
        if (i >= n) {
          this.escaped = i > n;
          break;
        }
        inString = false;
        i++;
        if (depth === 0) return this.valueEnds(piece, from, i);
        continue;
      }
      const b = piece[i++] as number;
      if (b === 0x22) inString = true;
      else if (b === 0x7b || b === 0x5b) {
        if (++depth > MAX_DEPTH) throw this.fail(`a value nested more than ${MAX_DEPTH} deep`, i - 1);
      } else if ((b === 0x7d || b === 0x5d) && --depth === 0) return this.valueEnds(piece, from, i);
    }
    this.depth = depth;
    this.inString = inString;
    return this.hold(piece, from);
  }

  /** Holds this piece's part of the value under way (from `from`), which goes on in the next. */
  private hold(piece: Buffer, from: number): number {
    (this.held as Buffer[]).push(Buffer.from(piece.subarray(from)));
    return piece.length;
  }

  /** The value under way ends before `end` in this piece. */
  private valueEnds(piece: Buffer, from: number, end: number): number {
    const held = this.held as Buffer[];
    const part = piece.subarray(from, end);
    this.finishValue(held.length === 0 ? part : Buffer.concat([...held, part]));
    return end;
  }

  private finishValue(json: Buffer): void {
    this.held = undefined;
    this.bare = false;
    switch (this.state) {
      case S.FirstKey:
      case S.Key: {
        const key = parseKey(json);
        if (key === undefined) throw this.fail('a key that is not a string');
        if (this.sink.uses?.(key) !== false) {
          if (this.seen.has(key)) throw this.fail(`the key ${JSON.stringify(key)} twice`);
          this.seen.add(key);
        }
        this.key = key;
        this.state = S.Colon;
        return;
      }
      case S.Value:
        this.sink.value(this.key, json);
        this.state = S.AfterMember;
        return;
      default:
        this.sink.item(this.key, this.index++, json);
        this.state = S.AfterItem;
    }
  }
}

function parseKey(json: Buffer): string | undefined {
  let v: unknown;
  try {
    v = JSON.parse(json.toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof v === 'string' ? v : undefined;
}
