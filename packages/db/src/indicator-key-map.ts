/**
 * A map over (type, value) held by value, then type. The values are the message's own strings, whose hash
 * is computed once and kept; a `type\0value` key was a new string to build and hash per row and lookup
 * (the consumer's CPU profile had such maps, built and read per row, at ~6 % of its time; the bulk path
 * merged its rows by such keys too).
 */
export class ByIndicatorKey<T> {
  private readonly byValue = new Map<string, KeyEntry<T>>();

  get(type: string, value: string): T | undefined {
    for (let entry = this.byValue.get(value); entry !== undefined; entry = entry.next)
      if (entry.type === type) return entry.item;
    return undefined;
  }

  /** Adds the key unless it is there; true when it was added. */
  add(type: string, value: string, item: T): boolean {
    const first = this.byValue.get(value);
    for (let entry = first; entry !== undefined; entry = entry.next) if (entry.type === type) return false;
    this.byValue.set(value, { type, item, next: first });
    return true;
  }
}

/** The same value under other types (an e-mail address and a URL never share one; a hash type might). */
interface KeyEntry<T> {
  type: string;
  item: T;
  next: KeyEntry<T> | undefined;
}
