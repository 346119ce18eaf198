/**
 * Aho–Corasick automaton: finds every pattern occurring in a text in one pass over the text,
 * whatever the number of patterns (thousands of substring entries cost the same as one).
 * Patterns and texts are matched as given; callers lower-case both for case-insensitive lists.
 *
 * After `build()` the automaton is a DFA: one typed-array load per character of text. Its table
 * is states × alphabet, where the alphabet holds only the characters that occur in patterns
 * (38 for host names: a–z, 0–9, "-", "."); a character outside it resets to the root, since no
 * pattern can continue through it. Warninglist substring entries (~8,400, ~76,000 states) make a
 * table of about 12 MB; above `maxDenseCells` the automaton keeps sparse edges instead (slower).
 */
const maxDenseCells = 16_000_000;

export class AhoCorasick {
  private transitions: Map<number, number>[] = [new Map()];
  private fail: number[] = [0];
  /** Payloads ending at each state, including those reached through fail links (merged at build). */
  private outputs: (number[] | undefined)[] = [undefined];
  private built = false;
  private count = 0;
  /** Symbol of each character code (-1: not in any pattern); codes beyond the table have no symbol. */
  private symbolOf = new Int16Array(0);
  /** Symbol of each ASCII code once lower-cased (A–Z read as a–z), for `searchLowerCased`. */
  private foldedSymbolOf = new Int16Array(128).fill(-1);
  private alphabetSize = 0;
  /**
   * Dense DFA: `delta[row + symbol]` (a state's row starts at `state * alphabetSize`) is the next
   * state's row start times two, plus one when that state has outputs — so the text loop reads outputs
   * only on a match. Empty when sparse.
   */
  private delta = new Int32Array(0);
  /** Sparse fallback: each state's edges as (symbol, target) runs, plus fail links. */
  private edgeStart = new Int32Array(1);
  private edgeSymbol = new Int32Array(0);
  private edgeTarget = new Int32Array(0);
  private failLink = new Int32Array(1);

  private readonly maxDenseCells: number;

  /** `maxDenseCells` caps the dense table (states × alphabet); above it edges stay sparse. */
  constructor(options: { maxDenseCells?: number } = {}) {
    this.maxDenseCells = options.maxDenseCells ?? maxDenseCells;
  }

  get patternCount(): number {
    return this.count;
  }

  add(pattern: string, payload: number): void {
    if (this.built) throw new Error("AhoCorasick: add() after build()");
    if (pattern.length === 0) return;
    let state = 0;
    for (let i = 0; i < pattern.length; i++) {
      const code = pattern.charCodeAt(i);
      const edges = this.transitions[state] ?? new Map<number, number>();
      let next = edges.get(code);
      if (next === undefined) {
        next = this.transitions.length;
        this.transitions.push(new Map());
        this.fail.push(0);
        this.outputs.push(undefined);
        edges.set(code, next);
      }
      state = next;
    }
    const existing = this.outputs[state];
    if (existing === undefined) this.outputs[state] = [payload];
    else existing.push(payload);
    this.count++;
  }

  /** Computes fail links breadth-first and compiles the DFA; call once after the last `add`. */
  build(): void {
    if (this.built) return;
    const transitions = this.transitions;
    const order: number[] = [0];
    for (let head = 0; head < order.length; head++) {
      const state = order[head] ?? 0;
      for (const [code, child] of transitions[state] ?? new Map<number, number>()) {
        let failTo = 0;
        if (state !== 0) {
          let fallback = this.fail[state] ?? 0;
          for (;;) {
            const target = transitions[fallback]?.get(code);
            if (target !== undefined) {
              failTo = target;
              break;
            }
            if (fallback === 0) break;
            fallback = this.fail[fallback] ?? 0;
          }
        }
        this.fail[child] = failTo;
        const inherited = this.outputs[failTo];
        if (inherited !== undefined) {
          const own = this.outputs[child];
          this.outputs[child] = own === undefined ? [...inherited] : own.concat(inherited);
        }
        order.push(child);
      }
    }
    this.compile(order);
    this.transitions = [];
    this.fail = [];
    this.built = true;
  }

  private compile(order: readonly number[]): void {
    const transitions = this.transitions;
    const states = transitions.length;
    let maxCode = 0;
    for (const edges of transitions) for (const code of edges.keys()) if (code > maxCode) maxCode = code;
    this.symbolOf = new Int16Array(maxCode + 1).fill(-1);
    for (const edges of transitions) {
      for (const code of edges.keys()) {
        if (this.symbolOf[code] === -1) this.symbolOf[code] = this.alphabetSize++;
      }
    }
    for (let code = 0; code < 128; code++) {
      const lower = code >= 65 && code <= 90 ? code + 32 : code;
      this.foldedSymbolOf[code] = lower < this.symbolOf.length ? (this.symbolOf[lower] ?? -1) : -1;
    }
    const size = this.alphabetSize;
    if (states * size <= this.maxDenseCells) {
      // Rows are numbered in breadth-first order: the shallow states, where a text's walk spends most of
      // its steps, share a few cache lines instead of being spread over the whole table.
      const rowOf = new Int32Array(states);
      order.forEach((state, row) => {
        rowOf[state] = row;
      });
      // Breadth-first order also guarantees a state's fail target is complete before the state itself.
      const delta = new Int32Array(states * size);
      const outputs: (number[] | undefined)[] = new Array(states).fill(undefined);
      for (const state of order) {
        const row = (rowOf[state] ?? 0) * size;
        outputs[rowOf[state] ?? 0] = this.outputs[state];
        if (state !== 0) {
          const failRow = (rowOf[this.fail[state] ?? 0] ?? 0) * size;
          delta.copyWithin(row, failRow, failRow + size);
        }
        for (const [code, child] of transitions[state] ?? new Map<number, number>()) {
          delta[row + (this.symbolOf[code] ?? 0)] =
            (rowOf[child] ?? 0) * size * 2 + (this.outputs[child] === undefined ? 0 : 1);
        }
      }
      this.delta = delta;
      this.outputs = outputs;
      return;
    }
    let edgeCount = 0;
    for (const edges of transitions) edgeCount += edges.size;
    this.edgeStart = new Int32Array(states + 1);
    this.edgeSymbol = new Int32Array(edgeCount);
    this.edgeTarget = new Int32Array(edgeCount);
    this.failLink = Int32Array.from(this.fail);
    let e = 0;
    for (let state = 0; state < states; state++) {
      this.edgeStart[state] = e;
      for (const [code, child] of transitions[state] ?? new Map<number, number>()) {
        this.edgeSymbol[e] = this.symbolOf[code] ?? 0;
        this.edgeTarget[e] = child;
        e++;
      }
    }
    this.edgeStart[states] = e;
  }

  private sparseNext(state: number, symbol: number): number {
    let current = state;
    for (;;) {
      const end = this.edgeStart[current + 1] ?? 0;
      for (let e = this.edgeStart[current] ?? 0; e < end; e++) {
        if (this.edgeSymbol[e] === symbol) return this.edgeTarget[e] ?? 0;
      }
      if (current === 0) return 0;
      current = this.failLink[current] ?? 0;
    }
  }

  /**
   * `search(text.toLowerCase())` without building the lower-cased copy: ASCII letters are folded as
   * they are read. A non-ASCII character (whose lower case may differ in length) takes the copy.
   */
  searchLowerCased(text: string): number[] | undefined {
    if (!this.built) throw new Error("AhoCorasick: search() before build()");
    const { foldedSymbolOf, delta, outputs } = this;
    if (delta.length === 0) return this.search(text.toLowerCase());
    const size = this.alphabetSize;
    let found: number[] | undefined;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 128) return this.search(text.toLowerCase());
      const symbol = foldedSymbolOf[code] ?? -1;
      if (symbol === -1) {
        state = 0;
        continue;
      }
      // `state` is the row start, so the step is one load and a shift (no multiply on the dependency chain).
      const next = delta[state + symbol] ?? 0;
      state = next >> 1;
      if ((next & 1) === 0) continue;
      const output = outputs[(state / size) | 0];
      if (output !== undefined) found = found === undefined ? [...output] : found.concat(output);
    }
    return found;
  }

  /** Payloads of every pattern found in `text` (with repeats when a pattern occurs twice). */
  search(text: string): number[] | undefined {
    if (!this.built) throw new Error("AhoCorasick: search() before build()");
    const { symbolOf, delta, outputs } = this;
    const size = this.alphabetSize;
    const dense = delta.length > 0;
    const codes = symbolOf.length;
    let found: number[] | undefined;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const symbol = code < codes ? (symbolOf[code] ?? -1) : -1;
      if (symbol === -1) {
        state = 0;
        continue;
      }
      let output: number[] | undefined;
      if (dense) {
        const next = delta[state + symbol] ?? 0;
        state = next >> 1;
        if ((next & 1) === 0) continue;
        output = outputs[(state / size) | 0];
      } else {
        state = this.sparseNext(state, symbol);
        output = outputs[state];
      }
      if (output !== undefined) found = found === undefined ? [...output] : found.concat(output);
    }
    return found;
  }
}
