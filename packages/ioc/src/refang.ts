import { isUrlTerminator } from "./url-text.ts";

/**
 * Refang (undo the defanging styles seen in real reports) and defang (make a canonical indicator safe to
 * display). Every pattern below is a bounded alternation without nested quantifiers, so one pass over any
 * input is linear in its length.
 */

const open = "[\\[({<]";
const close = "[\\])}>]";
const anyBracket = "[\\[\\](){}<>]";

/** Case-insensitive literal without the `i` flag, so `DOT`/`AT` word markers can stay upper-case only. */
function ci(word: string): string {
  return [...word]
    .map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : `\\${c}`))
    .join("");
}

/**
 * The defang markers as one alternation. `spaced` adds the forms with horizontal space around a marker
 * (`example [.] com`, `foo DOT com`, `2.2.2 . 2`); the extractor uses the compact form for tokens without
 * spaces, which is most of them and several times faster. Spaces are bounded to {0,3} to stay linear.
 */
function markerPattern(spaced: boolean, loose: boolean): RegExp {
  const sp = spaced ? "[ \\t]{0,3}" : "";
  const alternatives = [
    // 1. Schemes: hxxp, hXXps, h**p, xxxx(s), fxp, sfxp, optionally closed by a stray bracket: `http]://`.
    `(?<![A-Za-z0-9])(?<scheme>[hH](?:[xX]{2}|\\*\\*)[pP]|[xX]{4}|${ci("fxp")}|${ci("sfxp")})(?<tls>[sSxX]?)${close}?(?=${open}?:)`,
    // 2. Bracketed scheme: [http]://, (https)://
    `${open}(?<bscheme>${ci("http")}[sS]?|${ci("ftp")})${close}(?=:)`,
    // 3. Scheme separators with stray spaces or a missing colon: `http ://`, `http// `, `https:/// x`.
    spaced
      ? `(?<![A-Za-z0-9])(?<sscheme>https?)(?:[ \\t]{1,3}:\\/{2,3}|:\\/{3}|\\/\\/|:\\/\\/(?=[ \\t]))[ \\t]{0,3}(?=[A-Za-z0-9])`
      : `(?<![A-Za-z0-9])(?<sscheme>https?)(?::\\/{3}|\\/\\/)(?=[A-Za-z0-9])`,
    // 4. Bracketed separators.
    `${open}(?<sep>:\\/\\/|:|\\/|-|,)${close}`,
    // 5. Dots: [.] (.) {.} <.> and mixed or reversed brackets on both sides, [dot], (punto).
    `${sp}${open}${sp}(?<dotword>${ci("dot")}|${ci("punto")}|${ci("punkt")})${sp}${close}${sp}`,
    `${sp}${anyBracket}${sp}(?<dot>\\.)${sp}${anyBracket}${sp}`,
    // 6. At signs: [@] (at) {at} [et] (arroba).
    `${sp}${open}${sp}(?<at>@|${ci("at")}|${ci("et")}|${ci("arroba")})${sp}${close}${sp}`,
    // 7. Escaped dots and slashes: example\\.com, example^.com, a\\/b.
    `(?<escdot>\\\\\\.|\\^\\.)|(?<escslash>\\\\\\/)`,
    // 8. Upper-case word markers between letters or digits: fooDOTcom, foo DOT com, bob AT example.com, a-dot-b.
    spaced
      ? `(?<=[a-z0-9])(?:[ \\t]{1,3}(?<sword>DOT|AT)[ \\t]{1,3}|(?<word>DOT|AT)|(?<dashdot>-dot-))(?=[a-z0-9])`
      : `(?<=[a-z0-9])(?:(?<word>DOT|AT)|(?<dashdot>-dot-))(?=[a-z0-9])`,
    // 8b. Word markers closed by a stray bracket: fooDOT]com, foopunto)com, fooat]bar.com.
    `(?<=[A-Za-z0-9])(?:(?<cdot>DOT|dot|PUNTO|punto|PUNKT|punkt)|(?<cat>AT|at|ET|et|ARROBA|arroba))${close}(?=[A-Za-z0-9])`,
    // 2b. Scheme closed by a stray bracket: http]://
    `(?<![A-Za-z0-9])(?<cscheme>https?)${close}(?=:\\/\\/)`,
    // 10. Bracketed www: [www].example.com
    `${open}(?<www>www)${close}(?=\\.)`,
  ];
  // 9. Bare spaced dot or at between alphanumerics: `2.2.2 . 2`, `foo @ bar.com`.
  if (spaced) alternatives.push(`(?<=[A-Za-z0-9])[ \\t]{1,3}(?<spaced>[.@])[ \\t]{1,3}(?=[A-Za-z0-9])`);
  // Extraction also accepts lopsided or repeated brackets and backslashes around a dot (`10.10.10.]]]10`,
  // `1.)1[.1`, `10\\\\.10`): inside a token they are never part of an indicator, while refang() of
  // arbitrary text must leave `a.[b` alone.
  if (loose) {
    alternatives.push(`(?<loosedot>[\\[\\](){}\\\\]{1,8}\\.[\\[\\](){}\\\\]{0,8}|\\.[\\[\\](){}\\\\]{1,8})`);
  }
  return new RegExp(alternatives.join("|"), "g");
}

const refangPattern = markerPattern(true, false);
const spacedExtractionPattern = markerPattern(true, true);
const compactExtractionPattern = markerPattern(false, true);

/** Comma-separated dotted quads (`9,10,11,12`), refanged only when every octet is 0-255. */
const commaQuadPattern = /(?<![\d,])(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})(?![\d,])/g;

function replacementFor(groups: Record<string, string | undefined>): string {
  const scheme = groups.scheme;
  if (scheme !== undefined) {
    const lower = scheme.toLowerCase();
    const base = lower === "fxp" ? "ftp" : lower === "sfxp" ? "sftp" : "http";
    return groups.tls ? `${base}s` : base;
  }
  if (groups.bscheme !== undefined) return groups.bscheme.toLowerCase();
  if (groups.cscheme !== undefined) return groups.cscheme;
  if (groups.cat !== undefined) return "@";
  if (groups.sscheme !== undefined) return `${groups.sscheme.toLowerCase()}://`;
  const sep = groups.sep;
  if (sep !== undefined) return sep === "," ? "." : sep;
  if (groups.at !== undefined) return "@";
  if (groups.escslash !== undefined) return "/";
  if (groups.www !== undefined) return groups.www;
  const word = groups.word ?? groups.sword;
  if (word !== undefined) return word === "AT" ? "@" : ".";
  if (groups.spaced !== undefined) return groups.spaced;
  // [.], (dot), -dot-, \\. and ^.
  return ".";
}

/** First characters of the bare-word matches: `DOT`, `AT`, `-dot-`, ` DOT `, `dot]`, `punto)`, `et]`... */
const bareWordStarts = new Uint8Array(128);
for (const ch of "DdAaPpEe- \t") bareWordStarts[ch.charCodeAt(0)] = 1;

/**
 * Whether a match is a marker written as a bare word: `fooDOTcom`, `bobATexample`, `a-dot-b`, `foo DOT com` and
 * the word closed by a stray bracket (`fooDOT]com`, `whatat)x`). Such words are ordinary text in a URL's path
 * (`/sAsvpDjipATdFg9SV2/`, `/abcDOTdef`), so they are refanged only outside one; bracketed markers (`[.]`,
 * `(dot)`, `[/]`) are refanged everywhere (reports defang paths: `/gate[.]php`).
 */
function isBareWord(match: RegExpExecArray, groups: Record<string, string | undefined>): boolean {
  // Most matches are ruled out by their first character, before any read of the (large) groups object.
  const first = match[0].charCodeAt(0);
  if (first >= 128 || bareWordStarts[first] !== 1) return false;
  return (
    groups.word !== undefined ||
    groups.sword !== undefined ||
    groups.dashdot !== undefined ||
    groups.cdot !== undefined ||
    groups.cat !== undefined
  );
}

/**
 * Where the refanged text written so far stands: outside a URL, in a URL's scheme and authority (after its
 * `://`), or in its path, query or fragment (from the first `/`, `?` or `#` after the authority). A URL ends
 * where extraction ends it (whitespace, `,`, `\`, `^`, `{}`, brackets outside the authority: IPv6 hosts); a
 * `://` starts the authority of a URL again, also one nested in a path (`?u=http://evilDOTcom/`). Fed with the
 * output in order, a piece at a time (see {@link feedUrlState}), by refang() and the full pattern of refangToken;
 * the fast path needs none: it hands every bare word (needsFullPattern, mayCloseMarker) to the full pattern.
 */
const URL_OUTSIDE = 0;
const URL_AUTHORITY = 1;
const URL_PATH = 2;
let urlState = URL_OUTSIDE;
/** The last two characters fed, to see `://`. */
let urlPrevious = -1;
let urlBeforePrevious = -1;

function resetUrlState(): void {
  urlState = URL_OUTSIDE;
  urlPrevious = -1;
  urlBeforePrevious = -1;
}

/** What each character does to the URL state: a URL terminator (`isUrlTerminator`, as extraction ends a URL; `[`/`]` only outside the authority), `/`, `?` or `#`. */
const urlStateKinds = new Uint8Array(128);
const URL_CHAR_SLASH = 1;
const URL_CHAR_QUERY = 2;
const URL_CHAR_END = 3;
const URL_CHAR_BRACKET = 4;
for (let c = 0; c < 128; c++)
  if (isUrlTerminator(c)) urlStateKinds[c] = c === 91 || c === 93 ? URL_CHAR_BRACKET : URL_CHAR_END;
urlStateKinds[47] = URL_CHAR_SLASH;
urlStateKinds[63] = URL_CHAR_QUERY;
urlStateKinds[35] = URL_CHAR_QUERY;

/** Feeds `text[from, to)`, the next piece of output, to the URL state. */
function feedUrlState(text: string, from: number, to: number): void {
  let state = urlState;
  let previous = urlPrevious;
  let beforePrevious = urlBeforePrevious;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    const kind = c < 128 ? (urlStateKinds[c] ?? 0) : 0;
    if (kind !== 0) {
      if (kind === URL_CHAR_SLASH) {
        if (previous === 47 && beforePrevious === 58) state = URL_AUTHORITY;
        else if (state === URL_AUTHORITY) state = URL_PATH;
      } else if (kind === URL_CHAR_QUERY) {
        if (state === URL_AUTHORITY) state = URL_PATH;
      } else if (kind === URL_CHAR_END || state !== URL_AUTHORITY) {
        state = URL_OUTSIDE;
      }
    }
    beforePrevious = previous;
    previous = c;
  }
  urlState = state;
  urlPrevious = previous;
  urlBeforePrevious = beforePrevious;
}

/**
 * Brings the URL state up to the end of `parts`, of which `parts[0, fed)` were fed. After a character that ends
 * a URL the state is outside one whatever came before, so only the output after the last such character is fed:
 * the word that holds the marker, not all the free text before it. Each part is read at most twice in all.
 */
function catchUpUrlState(parts: readonly string[], fed: number): void {
  let from = fed;
  let offset = 0;
  search: for (let j = parts.length - 1; j >= fed; j--) {
    const part = parts[j] ?? "";
    for (let k = part.length - 1; k >= 0; k--) {
      const c = part.charCodeAt(k);
      if (c < 128 && urlStateKinds[c] === URL_CHAR_END) {
        resetUrlState();
        from = j;
        offset = k + 1;
        break search;
      }
    }
  }
  for (let j = from; j < parts.length; j++) {
    const part = parts[j] ?? "";
    feedUrlState(part, j === from ? offset : 0, part.length);
  }
}

function commaQuad(match: string, a: string, b: string, c: string, d: string): string {
  for (const octet of [a, b, c, d]) if (Number(octet) > 255) return match;
  return `${a}.${b}.${c}.${d}`;
}

/**
 * Undoes common defanging in free text: `hxxps://evil[.]com`, `1.2.3[.]4`, `user[at]host(dot)org`,
 * `http[:]//`, `[://]`, `example\.com`, `9,10,11,12` and more. Text without markers comes back unchanged.
 *
 * @example refang("hxxps[:]//evil[.]com/a") // "https://evil.com/a"
 */
export function refang(text: string): string {
  const parts: string[] = [];
  let cursor = 0;
  resetUrlState();
  // The URL state is brought up to date only at a bare word, from the parts not fed yet: text without one
  // (most of it) costs no second pass.
  let fedParts = 0;
  refangPattern.lastIndex = 0;
  let match = refangPattern.exec(text);
  while (match !== null) {
    const groups = match.groups ?? {};
    parts.push(text.slice(cursor, match.index));
    if (isBareWord(match, groups)) {
      catchUpUrlState(parts, fedParts);
      fedParts = parts.length;
      parts.push(urlState === URL_PATH ? match[0] : replacementFor(groups));
    } else {
      parts.push(replacementFor(groups));
    }
    cursor = match.index + match[0].length;
    if (match[0].length === 0) refangPattern.lastIndex++;
    match = refangPattern.exec(text);
  }
  parts.push(text.slice(cursor));
  const once = parts.join("");
  return once.includes(",") ? once.replace(commaQuadPattern, commaQuad) : once;
}

/**
 * A refanged token and where its characters came from. `edits` holds, for each replaced marker or run of
 * adjacent identical markers (`[.][.][.]`, one entry instead of one per marker), five numbers: output offset
 * of the replacement, input offset and input end of the run, output offset where copying resumes, and the
 * input length of one marker; null when nothing changed. Map positions with {@link originalOffset}.
 */
export interface RefangedSpan {
  text: string;
  edits: number[] | null;
  /** True when a real defang marker was undone (not just a stray bracket next to a dot). */
  defanged: boolean;
}

function isAsciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

/** What fastRefang must look at for each ASCII character; 0 means copy and move on. */
const FAST_OPEN = 1;
const FAST_H = 2;
const FAST_BAIL = 3;
const FAST_CHECK = 4;
const FAST_CLOSE = 5;
const FAST_SPACE = 6;
const fastKinds = new Uint8Array(128);
for (const ch of "[({") fastKinds[ch.charCodeAt(0)] = FAST_OPEN;
for (const ch of "hH") fastKinds[ch.charCodeAt(0)] = FAST_H;
for (const ch of "<>^*") fastKinds[ch.charCodeAt(0)] = FAST_BAIL;
for (const ch of " \t") fastKinds[ch.charCodeAt(0)] = FAST_SPACE;
for (const ch of "])}\\") fastKinds[ch.charCodeAt(0)] = FAST_CLOSE;
for (const ch of "/xXfFDA-") fastKinds[ch.charCodeAt(0)] = FAST_CHECK;

/**
 * The token being refanged is `source[rangeStart, rangeEnd)` of a larger text, so the extractor need not
 * slice every candidate. Characters outside the range read as -1, exactly as if the token stood alone.
 */
let rangeStart = 0;
let rangeEnd = 0;

function codeAt(source: string, k: number): number {
  return k >= rangeStart && k < rangeEnd ? source.charCodeAt(k) : -1;
}

/** `[.]`, `(.)`, `{.}`, `[:]`, `[/]`, `[@]` and `[://]` at `i`: the replacement, or "" if none. */
function bracketMarkerAt(source: string, i: number): string {
  const open = codeAt(source, i);
  const inner = codeAt(source, i + 1);
  const close = codeAt(source, i + 2);
  const matching = open === 91 ? 93 : open === 40 ? 41 : 125;
  if (close === matching) {
    if (inner === 46) return ".";
    if (open === 91 && (inner === 58 || inner === 47 || inner === 64)) return String.fromCharCode(inner);
    return "";
  }
  if (
    open === 91 &&
    inner === 58 &&
    close === 47 &&
    codeAt(source, i + 3) === 47 &&
    codeAt(source, i + 4) === 93
  ) {
    return "://";
  }
  return "";
}

function isOpeningBracket(c: number): boolean {
  return c === 91 || c === 40 || c === 123;
}

function isClosingBracket(c: number): boolean {
  return c === 93 || c === 41 || c === 125;
}

function isBracket(c: number): boolean {
  return isOpeningBracket(c) || isClosingBracket(c);
}

function isBracketOrBackslash(c: number): boolean {
  return isBracket(c) || c === 92;
}

/** Words that form a marker inside brackets: `[dot]`, `(at)`, `[http]`, `[www]`, `(punto)`... */
const bracketWords = new Set(["dot", "punto", "punkt", "at", "et", "arroba", "http", "https", "ftp", "www"]);
const bracketWordInitials = new Uint8Array(128);
for (const word of bracketWords) bracketWordInitials[word.charCodeAt(0)] = 1;

function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isLowerOrDigit(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
}

/** After an open bracket at `i`: a marker word or one of `:/-,@` may follow, e.g. `[dot]`, `(at)`, `[-]`. */
function mayOpenMarker(source: string, i: number): boolean {
  const next = codeAt(source, i + 1);
  if (next === 58 || next === 47 || next === 45 || next === 44 || next === 64) return true;
  if (!isAsciiLetter(next)) return false;
  let end = i + 1;
  while (end < rangeEnd && end - i <= 7 && isAsciiLetter(source.charCodeAt(end))) end++;
  // The words are 2-6 letters long and start with one of `a d e f h p w`: most bracketed words
  // (`[username]`, `(EXE)`) are ruled out without a copy and a lower-casing.
  const wordLength = end - i - 1;
  if (wordLength < 2 || wordLength > 6 || bracketWordInitials[next | 32] !== 1) return false;
  return bracketWords.has(source.slice(i + 1, end).toLowerCase());
}

/** A closing bracket at `i` after a marker word may end `fooDOT]com`, `fooat)bar`, `http]://`. */
function mayCloseMarker(source: string, i: number): boolean {
  const c = source.charCodeAt(i);
  if (c === 92 || c === 91 || c === 40 || c === 123) return false;
  let start = i;
  while (start > rangeStart && i - start < 7 && isAsciiLetter(source.charCodeAt(start - 1))) start--;
  if (start === i) return false;
  const word = source.slice(start, i).toLowerCase();
  for (const marker of bracketWords) if (word.endsWith(marker)) return true;
  return false;
}

function isSpaceOrTab(c: number): boolean {
  return c === 32 || c === 9;
}

let spacedMarker = "";

/** End of `  [.]  `, `  (.)  `, `  [@]  `, ` . ` or ` @ ` starting at the space at `i`, or -1. */
function spacedMarkerEnd(source: string, i: number): number {
  let j = i;
  while (j < rangeEnd && j - i < 3 && isSpaceOrTab(source.charCodeAt(j))) j++;
  const c = codeAt(source, j);
  let end: number;
  if (isOpeningBracket(c)) {
    spacedMarker = bracketMarkerAt(source, j);
    if (spacedMarker !== "." && spacedMarker !== "@") return -1;
    end = j + 3;
  } else if ((c === 46 || c === 64) && isAsciiAlnum(codeAt(source, i - 1))) {
    spacedMarker = c === 46 ? "." : "@";
    end = j + 1;
    if (!isSpaceOrTab(codeAt(source, end))) return -1;
  } else {
    return -1;
  }
  const afterMarker = end;
  while (end < rangeEnd && end - afterMarker < 3 && isSpaceOrTab(source.charCodeAt(end))) end++;
  return isAsciiAlnum(codeAt(source, end)) || end === afterMarker ? end : -1;
}

/**
 * True when a FAST_CHECK character at `i` might start a marker the fast path does not handle. `written`: the last
 * character of the marker the fast path has just written when one ends at `i` (the `:` of `http[:]//`), else -1;
 * a `/` is judged by the refanged text before it, as the pattern would judge `http://`.
 */
function needsFullPattern(source: string, i: number, c: number, written: number): boolean {
  const next = codeAt(source, i + 1);
  if (c === 47) {
    // `http//x` (a scheme without its colon) and `:///` are the pattern's; a `//` after a colon is a URL's own.
    const previous = written >= 0 ? written : codeAt(source, i - 1);
    return (next === 47 && previous !== 58) || (previous === 47 && next === 47);
  }
  // The pattern's `fxp`, `sfxp` and `xxxx` schemes start a word: inside one (`wtfjwffxh`, `pxxn`, `dyxx=`, the
  // `xx` of `hxxp`, read from its `h` above) `fx` and `xx` are text, and the token stays on the fast path.
  if (c === 102 || c === 70) {
    if ((next | 32) !== 120) return false;
    const previous = codeAt(source, i - 1);
    return !isAsciiAlnum(previous) || ((previous | 32) === 115 && !isAsciiAlnum(codeAt(source, i - 2)));
  }
  if (c === 120 || c === 88) return (next | 32) === 120 && !isAsciiAlnum(codeAt(source, i - 1));
  // DOT and AT are markers only between lower-case letters or digits: fooDOTcom, bobATexample.
  const previousIsWord = isLowerOrDigit(codeAt(source, i - 1));
  if (c === 68) return next === 79 && codeAt(source, i + 2) === 84 && previousIsWord;
  if (c === 65) return next === 84 && previousIsWord;
  return i + 5 <= rangeEnd && source.startsWith("-dot-", i);
}

/**
 * Joins the pieces of a refanged token. A hostile token yields a part per marker (120,000 for 1 MB of
 * `a1.b2:c3@d4[.]e5/`), and one join over that many parts costs twice as much as joins of 512 parts and a
 * join of those; string concatenation is cheaper still for that token but leaves a linked string that every
 * later read of a real token pays for (10% slower on report text). Below 13 code units V8 copies a
 * concatenation into a flat string, so a short token (`a[.]bc`, `evil[.]com`) is built with `+` and no
 * array; one joiner serves every token (a refang runs to its end before the next one starts).
 */
class PartJoiner {
  #short = "";
  #parts: string[] | null = null;
  #chunks: string[] | null = null;

  add(part: string): void {
    if (this.#parts === null) {
      if (this.#short.length + part.length < shortJoinLimit) {
        this.#short += part;
        return;
      }
      this.#parts = [this.#short];
      this.#short = "";
    }
    this.#parts.push(part);
    if (this.#parts.length >= 512) {
      this.#chunks ??= [];
      this.#chunks.push(this.#parts.join(""));
      this.#parts = [];
    }
  }

  /** Forgets the parts of a token whose fast refang gave up half-way. */
  clear(): void {
    this.#short = "";
    this.#parts = null;
    this.#chunks = null;
  }

  /** The joined text; the joiner is empty again. */
  take(): string {
    const parts = this.#parts;
    if (parts === null) {
      const text = this.#short;
      this.#short = "";
      return text;
    }
    const chunks = this.#chunks;
    this.clear();
    if (chunks === null) return parts.join("");
    chunks.push(parts.join(""));
    return chunks.join("");
  }
}

/** V8's ConsString::kMinLength: a shorter concatenation is a flat copy, not a linked string. */
const shortJoinLimit = 13;

const tokenParts = new PartJoiner();

/**
 * Position-map entries of the token being refanged, five per edit (see {@link RefangedSpan}). One growing
 * buffer reused across tokens: a hostile 1 MB token with a marker every few characters makes 60,000 edits,
 * and pushing them onto an array cost more than the rest of the refang.
 */
let editSlots = new Int32Array(1024);
let editCount = 0;

function pushEdit(
  outStart: number,
  inStart: number,
  inEnd: number,
  resume: number,
  markerLength: number,
): void {
  if (editCount + 5 > editSlots.length) {
    const grown = new Int32Array(editSlots.length * 2);
    grown.set(editSlots);
    editSlots = grown;
  }
  editSlots[editCount] = outStart;
  editSlots[editCount + 1] = inStart;
  editSlots[editCount + 2] = inEnd;
  editSlots[editCount + 3] = resume;
  editSlots[editCount + 4] = markerLength;
  editCount += 5;
}

/** Empties the edit buffer for the next token; slots grown by a huge token are let go. */
function startEdits(): void {
  editCount = 0;
  if (editSlots.length > 65536) editSlots = new Int32Array(1024);
}

/**
 * The edits of the token just refanged, copied into an array allocated at its final size (growing an array
 * by push cost 7–9 ms for the 300,000 entries of a hostile 1 MB token, this 2 ms; a typed array per token
 * measured slower on report text).
 */
function takeEdits(): number[] {
  const edits = new Array<number>(editCount);
  for (let k = 0; k < editCount; k++) edits[k] = editSlots[k] ?? 0;
  return edits;
}

/** fastRefang's answer when something might be a marker it does not handle. */
const useFullPattern = false;

/** Whether the token refanged last undid a real marker (not just a stray bracket next to a dot). */
let lastTokenDefanged = false;
/** Whether the token refanged last went through the full pattern (see {@link refangedTokenMayAddColon}). */
let lastTokenByPattern = false;

/**
 * Fast path for the markers that make up nearly all real defanging (`[.]`, `(.)`, `[:]`, `[://]`, `[@]`,
 * `hxxp(s)`) in `source[from, to)`: one pass, no regex. Returns the refanged text (its edits in the buffer),
 * null when there is nothing to undo, and `useFullPattern` as soon as anything else might be a marker; the
 * caller then falls back to the full pattern.
 */
function fastRefang(source: string, from: number, to: number): string | null | typeof useFullPattern {
  rangeStart = from;
  rangeEnd = to;
  // The output is never longer than the input, so a token shorter than shortJoinLimit is built with `+` in a
  // local (each concatenation a flat copy): no joiner call per part.
  const short = to - from < shortJoinLimit;
  let shortText = "";
  let out: PartJoiner | null = null;
  if (!short) tokenParts.clear();
  startEdits();
  let written = 0;
  let copied = from;
  let defanged = false;
  let openBrackets = 0;
  let changed = false;
  let runMarker = "";
  let runMarkerLength = 0;
  let runCount = 0;
  for (let i = from; i < to; i++) {
    const c = source.charCodeAt(i);
    const kind = c < 128 ? (fastKinds[c] ?? 0) : 0;
    if (kind === 0) continue;
    let marker = "";
    let markerLength = 0;
    if (kind === FAST_OPEN || kind === FAST_CLOSE) {
      marker = kind === FAST_OPEN ? bracketMarkerAt(source, i) : "";
      if (marker !== "") {
        markerLength = marker === "://" ? 5 : 3;
        // After a dot the full pattern reads `.[` and `.]` as two loose dots (`a.[.]b`), not as `[.]`.
        if (marker !== "." || i === from || source.charCodeAt(i - 1) !== 46) defanged = true;
      } else if (kind === FAST_CLOSE && openBrackets > 0 && c !== 92) {
        // A closing bracket that closes one opened earlier in the token is text (`lit%20(2).html`), and only it:
        // a marker may follow at once (`bin%20(2)[.]txt`).
        openBrackets--;
        continue;
      } else {
        // A whole run of brackets and backslashes is looked at once, so each character is visited once.
        let runEnd = i;
        let backslash = false;
        while (runEnd < to && isBracketOrBackslash(source.charCodeAt(runEnd))) {
          if (source.charCodeAt(runEnd) === 92) backslash = true;
          runEnd++;
        }
        const last = codeAt(source, runEnd - 1);
        const after = codeAt(source, runEnd);
        const opensMarker = isOpeningBracket(last) && mayOpenMarker(source, runEnd - 1);
        const closesMarker = !isBracketOrBackslash(codeAt(source, i - 1)) && mayCloseMarker(source, i);
        if (opensMarker || closesMarker || (last === 92 && after === 47)) return useFullPattern;
        if (after === 46) {
          let dotEnd = runEnd + 1;
          while (dotEnd < to && isBracketOrBackslash(source.charCodeAt(dotEnd))) dotEnd++;
          const lastOfRun = codeAt(source, dotEnd - 1);
          if (isOpeningBracket(lastOfRun) && mayOpenMarker(source, dotEnd - 1)) {
            return useFullPattern;
          }
          marker = ".";
          markerLength = dotEnd - i;
          // Defanging as the full pattern reads it: one bracket with a bracket after the dot (`].[`, `(.}`), or one
          // backslash (`\.`). A run of two or more before the dot (`]].]]`, `[[.]]`, `]\.`), a backslash after it
          // (`].\`) or a dot before it (`.\.`) is its loose dot: brackets in code or markup, which must not skip
          // the file-name check.
          if (
            runEnd - i === 1 &&
            (c === 92 || isBracket(codeAt(source, runEnd + 1))) &&
            codeAt(source, i - 1) !== 46
          )
            defanged = true;
        } else if (codeAt(source, i - 1) === 46 && !backslash) {
          // Brackets right after a dot (`1.)1`, `com).`) are dropped, like the loose-dot rule.
          markerLength = runEnd - i;
        } else {
          for (let k = i; k < runEnd; k++) {
            const bracket = source.charCodeAt(k);
            if (isOpeningBracket(bracket)) openBrackets++;
          }
          i = runEnd - 1;
          continue;
        }
      }
    } else if (kind === FAST_H) {
      if (i > from && isAsciiAlnum(source.charCodeAt(i - 1))) continue;
      if ((codeAt(source, i + 1) | 32) !== 120 || (codeAt(source, i + 2) | 32) !== 120) continue;
      if ((codeAt(source, i + 3) | 32) !== 112) return useFullPattern;
      const tls = (codeAt(source, i + 4) | 32) === 115;
      const next = codeAt(source, i + (tls ? 5 : 4));
      if (next !== 58 && next !== 91) return useFullPattern;
      marker = tls ? "https" : "http";
      markerLength = marker.length;
      defanged = true;
    } else if (kind === FAST_SPACE) {
      // Spaced markers joined by the extractor: `example [.] com`, `bob [@] x`, `2.2.2 . 2`.
      const end = spacedMarkerEnd(source, i);
      if (end < 0) return useFullPattern;
      marker = spacedMarker;
      markerLength = end - i;
      defanged = true;
    } else if (
      kind === FAST_BAIL ||
      needsFullPattern(
        source,
        i,
        c,
        i === copied && runMarker !== "" ? runMarker.charCodeAt(runMarker.length - 1) : -1,
      )
    ) {
      return useFullPattern;
    } else {
      continue;
    }
    changed = true;
    if (i === copied && marker === runMarker && markerLength === runMarkerLength && marker !== "") {
      // Adjacent identical markers (`[.][.][.]`) extend one edit: hostile input of nothing but markers
      // costs one entry, not one per marker.
      const last = editCount - 5;
      editSlots[last + 2] = (editSlots[last + 2] ?? 0) + markerLength;
      editSlots[last + 3] = (editSlots[last + 3] ?? 0) + marker.length;
      runCount++;
    } else {
      if (short) {
        if (runCount > 0) shortText += runCount === 1 ? runMarker : runMarker.repeat(runCount);
        if (i > copied) shortText += source.slice(copied, i);
      } else {
        out ??= tokenParts;
        if (runCount > 0) out.add(runCount === 1 ? runMarker : runMarker.repeat(runCount));
        if (i > copied) out.add(source.slice(copied, i));
      }
      written += i - copied;
      pushEdit(written, i - from, i - from + markerLength, written + marker.length, markerLength);
      runMarker = marker;
      runMarkerLength = markerLength;
      runCount = 1;
    }
    written += marker.length;
    copied = i + markerLength;
    i = copied - 1;
  }
  if (!changed) return null;
  lastTokenDefanged = defanged;
  lastTokenByPattern = false;
  if (short) {
    if (runCount > 0) shortText += runCount === 1 ? runMarker : runMarker.repeat(runCount);
    return to > copied ? shortText + source.slice(copied, to) : shortText;
  }
  out ??= tokenParts;
  if (runCount > 0) out.add(runCount === 1 ? runMarker : runMarker.repeat(runCount));
  if (to > copied) out.add(source.slice(copied, to));
  return out.take();
}

/**
 * Refangs `source[from, to)` (one candidate token): the refanged text, or null when there is nothing to undo.
 * Its position map stays in the edit buffer until the next token is refanged: read it with
 * {@link refangedTokenOffset} and {@link refangedTokenDefanged}. The extractor maps positions only for
 * findings, and most refanged tokens report none (`a[.]bc`), so no map is copied per token.
 */
export function refangToken(source: string, from: number, to: number): string | null {
  const fast = fastRefang(source, from, to);
  if (fast !== useFullPattern) return fast;
  const token = source.slice(from, to);
  const pattern =
    token.includes(" ") || token.includes("\t") ? spacedExtractionPattern : compactExtractionPattern;
  pattern.lastIndex = 0;
  let match = pattern.exec(token);
  if (match === null) return null;
  let defanged = false;
  let changed = false;
  const out = tokenParts;
  out.clear();
  startEdits();
  resetUrlState();
  let written = 0;
  let cursor = 0;
  let fed = 0;
  // Brackets left as text, as the fast path counts them: an opening one not yet closed makes the next closing
  // one text too, also where the loose-dot alternative would begin with it (`bin%20(2)[.]txt`: `(2)` stays).
  let openBrackets = 0;
  let counted = 0;
  while (match !== null) {
    const start = match.index;
    const groups = match.groups ?? {};
    openBrackets = countOpenBrackets(token, counted, start, openBrackets);
    counted = start;
    if (groups.loosedot !== undefined && openBrackets > 0 && isClosingBracket(token.charCodeAt(start))) {
      openBrackets--;
      counted = start + 1;
      pattern.lastIndex = start + 1;
      match = pattern.exec(token);
      continue;
    }
    feedUrlState(token, fed, start);
    fed = start;
    // A bare word in a URL's path is text: it stays in the copy that resumes at `cursor`.
    if (!isBareWord(match, groups) || urlState !== URL_PATH) {
      written += start - cursor;
      out.add(token.slice(cursor, start));
      if (groups.loosedot === undefined) defanged = true;
      const replacement = replacementFor(groups);
      pushEdit(written, start, start + match[0].length, written + replacement.length, match[0].length);
      written += replacement.length;
      out.add(replacement);
      feedUrlState(replacement, 0, replacement.length);
      cursor = start + match[0].length;
      fed = cursor;
      counted = cursor;
      changed = true;
    }
    if (match[0].length === 0) pattern.lastIndex++;
    match = pattern.exec(token);
  }
  if (!changed) {
    out.clear();
    return null;
  }
  out.add(token.slice(cursor));
  lastTokenDefanged = defanged;
  lastTokenByPattern = true;
  return out.take();
}

/** `open` after the brackets of `text[from, to)`: plus each opening one, minus each closing one while any is open. */
function countOpenBrackets(text: string, from: number, to: number, open: number): number {
  let count = open;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (isOpeningBracket(c)) count++;
    else if (count > 0 && isClosingBracket(c)) count--;
  }
  return count;
}

/**
 * Whether the token refanged last may hold a colon its input did not: only the full pattern adds one
 * (`http//x` to `http://x`); the fast path's markers keep the colons they contain (`[:]`, `[://]`).
 */
export function refangedTokenMayAddColon(): boolean {
  return lastTokenByPattern;
}

/** Whether the token refanged last by {@link refangToken} undid a real marker. */
export function refangedTokenDefanged(): boolean {
  return lastTokenDefanged;
}

/** {@link originalOffset} in the position map of the token refanged last by {@link refangToken}. */
export function refangedTokenOffset(index: number): number {
  return originalOffset(editSlots, index, editCount);
}

/**
 * Refangs `source[from, to)` and keeps a position map so findings can point at the text as written; null
 * when there is nothing to undo.
 */
export function refangRange(source: string, from: number, to: number): RefangedSpan | null {
  const text = refangToken(source, from, to);
  return text === null ? null : { text, edits: takeEdits(), defanged: lastTokenDefanged };
}

/**
 * Refangs one token and keeps a position map so findings can point at the text as written; `edits` is
 * null when nothing changed.
 */
export function refangWithOrigin(token: string): RefangedSpan {
  return refangRange(token, 0, token.length) ?? { text: token, edits: null, defanged: false };
}

/**
 * Offset in the original token of position `index` of the refanged text (an end position inside or right
 * after a replacement maps to the end of that marker; inside a run of identical markers, the k-th
 * replacement maps to the k-th marker). Binary search: tokens can hold many markers.
 */
export function originalOffset(
  edits: ArrayLike<number>,
  index: number,
  entries: number = edits.length,
): number {
  let low = 0;
  let high = entries / 5 - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if ((edits[middle * 5] ?? 0) <= index) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  if (found < 0) return index;
  const outStart = edits[found * 5] ?? 0;
  const inStart = edits[found * 5 + 1] ?? 0;
  const inEnd = edits[found * 5 + 2] ?? 0;
  const resume = edits[found * 5 + 3] ?? 0;
  if (index >= resume) return inEnd + (index - resume);
  if (index === outStart) return inStart;
  const markerLength = edits[found * 5 + 4] ?? 1;
  if (inEnd - inStart === markerLength) return inEnd;
  const replacementLength = (resume - outStart) / ((inEnd - inStart) / markerLength);
  const within = index - outStart;
  const markerIndex = Math.floor(within / replacementLength);
  return inStart + (within % replacementLength === 0 ? markerIndex : markerIndex + 1) * markerLength;
}

/** Quick test used by canonicalize() to skip refang on the (usual) clean value. */
const maybeDefanged = /[[\](){}<>\\^, \t]|[xX]{2}|\*\*|[fF][xX][pP]|DOT|AT|-dot-/;

/** Refangs a single value only when it looks defanged; cheap for clean feed rows. */
export function refangValue(value: string): string {
  return maybeDefanged.test(value) ? refang(value) : value;
}

/**
 * Defangs a canonical indicator for safe display and export: dots of hosts become `[.]`, `@` becomes
 * `[@]`, URL schemes `http`/`https`/`ftp` become `hxxp`/`hxxps`/`fxp`. Hashes, CVEs and ASNs are returned
 * unchanged. `refang(defang(x)) === x` for every canonical indicator.
 *
 * @example defang("https://evil.com/a.php") // "hxxps://evil[.]com/a.php"
 */
export function defang(value: string): string {
  const schemeEnd = value.indexOf("://");
  if (schemeEnd > 0 && /^[A-Za-z][A-Za-z0-9+.-]*$/.test(value.slice(0, schemeEnd))) {
    const scheme = value.slice(0, schemeEnd);
    const lower = scheme.toLowerCase();
    const fangedScheme = lower.startsWith("http")
      ? `hxxp${lower.slice(4)}`
      : lower === "ftp"
        ? "fxp"
        : scheme;
    const authorityStart = schemeEnd + 3;
    let authorityEnd = value.length;
    for (let i = authorityStart; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c === 47 || c === 63 || c === 35) {
        authorityEnd = i;
        break;
      }
    }
    const authority = value.slice(authorityStart, authorityEnd);
    const at = authority.lastIndexOf("@");
    const userinfo = at >= 0 ? authority.slice(0, at + 1) : "";
    const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
    return `${fangedScheme}://${userinfo}${hostPort.replaceAll(".", "[.]")}${value.slice(authorityEnd)}`;
  }
  if (value.includes("@")) return value.replace("@", "[@]").replaceAll(".", "[.]");
  if (value.includes(":")) return value; // IPv6 and IPv6 CIDR: no dots to break, and `[:]` would be ambiguous.
  return value.replaceAll(".", "[.]");
}
