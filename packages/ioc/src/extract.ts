import {
  type CanonicalHost,
  canonicalAsn,
  canonicalCve,
  canonicalEmail,
  canonicalUrlParts,
  hashLengths,
  isHexCode,
  toLowerCaseIfNeeded,
  urlAuthorityEnd,
} from "./canonicalize.ts";
import { canonicalHostname, isKnownTldLabel, isPublicSuffix } from "./domain.ts";
import { canonicalCidr, canonicalIpv4, canonicalIpv6 } from "./ip.ts";
import {
  refangedTokenDefanged,
  refangedTokenMayAddColon,
  refangedTokenOffset,
  refangToken,
} from "./refang.ts";
import { sortByCodeUnits } from "./sort-values.ts";
import type { Finding, IndicatorType } from "./types.ts";
import { isUrlTerminator } from "./url-text.ts";

/**
 * How extraction works, and why it is linear:
 * 1. One pass over the text with charCodeAt splits it into tokens at whitespace and a few delimiters
 *    (quotes, `<>`, backticks, `|`). A token is looked at only if it holds a trigger (`.`, `:`, `@`, a
 *    defang bracket or backslash) before its trailing punctuation, is 32+ chars (hash), or starts like a
 *    CVE or ASN. Plain prose words cost a table lookup per character.
 * 2. A candidate token is refanged (with a position map back to the text as written), URLs are cut out
 *    at their scheme, and the rest is split into pieces at characters that cannot occur in a host, IP,
 *    email, hash, CVE or ASN. Each piece is classified once. Every step walks its input a bounded number
 *    of times; there is no backtracking regex over unbounded text.
 */

export interface ExtractOptions {
  /** Only report these types (a URL's host is still reported when its type is asked for). */
  types?: readonly IndicatorType[];
  /** Offsets are always computed (they are cheap); kept for API compatibility. */
  offsets?: boolean;
}

/**
 * Character flags: 0 ends a token; TOKEN is any token character, the others add what it may start. The scan ORs
 * a token's flags together, so the last three also tell a bare hex token (the bulk of hash lists) without a
 * second pass: no NOT_HEX, at least one DIGIT, and UPPER_HEX when its value needs lower-casing.
 */
const DELIMITER = 0;
const TOKEN = 1;
const TRIGGER = 2;
const MARK = 4;
const NOT_HEX = 8;
const COLON = 16;
const DIGIT = 32;
const UPPER_HEX = 64;

/** Unicode spaces, smart quotes, ellipsis, dashes and CJK/full-width punctuation end a token. */
function isUnicodeDelimiter(c: number): boolean {
  return (
    c === 0xa0 ||
    c === 0xab ||
    c === 0xbb ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200d) ||
    (c >= 0x2010 && c <= 0x201f) ||
    c === 0x2026 ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    (c >= 0x3000 && c <= 0x3003) ||
    (c >= 0x3008 && c <= 0x3011) ||
    c === 0xfeff ||
    (c >= 0xff01 && c <= 0xff0f) ||
    (c >= 0xff1a && c <= 0xff20) ||
    c === 0xfffd
  );
}

/** Class of every UTF-16 code unit: one table lookup per character in the hot loop (64 KB). */
const charFlags = new Uint8Array(65536).fill(TOKEN | NOT_HEX);
for (let c = 0; c <= 32; c++) charFlags[c] = DELIMITER;
charFlags[127] = DELIMITER;
for (const ch of "\"'<>`|") charFlags[ch.charCodeAt(0)] = DELIMITER;
function addFlag(characters: string, flag: number): void {
  for (const ch of characters) {
    const code = ch.charCodeAt(0);
    charFlags[code] = (charFlags[code] ?? TOKEN) | flag;
  }
}
function removeFlag(characters: string, flag: number): void {
  for (const ch of characters) {
    const code = ch.charCodeAt(0);
    charFlags[code] = (charFlags[code] ?? TOKEN) & ~flag;
  }
}
addFlag(".:@[({\\", TRIGGER);
// Characters that can belong to a defang marker in a token: brackets, `\`, `^`, `*`, the x of hxxp,
// upper-case DOT and AT. (`-dot-` and `http//` are undone by refang() but not looked for in extraction.)
addFlag("[](){}\\^*xXDA", MARK);
removeFlag("0123456789abcdefABCDEF", NOT_HEX);
addFlag("0123456789", DIGIT);
addFlag("ABCDEF", UPPER_HEX);
addFlag(":", COLON);
for (let c = 128; c < 65536; c++) if (isUnicodeDelimiter(c)) charFlags[c] = DELIMITER;

function flagsOf(c: number): number {
  return charFlags[c] ?? TOKEN;
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

function isTrailingPunctuation(c: number): boolean {
  // . , ; : ! ? ) ] } * '
  return (
    c === 46 || c === 44 || c === 59 || c === 58 || c === 33 || c === 63 || c === 41 || c === 93 || c === 125
  );
}

/** Spaced defang markers that join two tokens: `example [.] com`, `2.2.2 . 2`, `bob (at) example.com`. */
const joinerPattern =
  /[ \t]{1,3}(?:[[({<][ \t]{0,3}(?:\.|[dD][oO][tT]|@|[aA][tT])[ \t]{0,3}[\])}>]|\.|@|DOT|AT)[ \t]{1,3}(?=[A-Za-z0-9])/y;

const maxJoinedToken = 256;

/** Cheap test before the joiner regex: a bracket, `.`, `@`, or the words `AT `/`DOT ` may follow the spaces. */
/** What may follow the first space of a spaced marker: more space, or the marker's first character. */
const mayFollowJoinerSpace = new Uint8Array(128);
for (const ch of " \t[({<.@AD") mayFollowJoinerSpace[ch.charCodeAt(0)] = 1;

function mayStartJoiner(text: string, k: number): boolean {
  const c = text.charCodeAt(k);
  if (c === 46 || c === 64) return true;
  if (c === 91 || c === 40 || c === 123 || c === 60) {
    // A bracketed marker: up to three spaces, then `.`, `@` or the first letter of `dot`/`at` (`word (see`
    // and `f(x)` end here, before the pattern runs).
    let m = k + 1;
    while (m - k <= 3 && (text.charCodeAt(m) === 32 || text.charCodeAt(m) === 9)) m++;
    const first = text.charCodeAt(m);
    return first === 46 || first === 64 || (first | 32) === 100 || (first | 32) === 97;
  }
  if (c === 65)
    return text.charCodeAt(k + 1) === 84 && (text.charCodeAt(k + 2) === 32 || text.charCodeAt(k + 2) === 9);
  if (c === 68) return text.charCodeAt(k + 1) === 79 && text.charCodeAt(k + 2) === 84;
  return false;
}

/** Schemes reported as URLs by extraction (canonicalize accepts any scheme). */
const urlSchemes = new Set([
  "http",
  "https",
  "ftp",
  "ftps",
  "sftp",
  "tftp",
  "tcp",
  "udp",
  "ws",
  "wss",
  "smb",
  "file",
  "telnet",
  "ssh",
  "rdp",
  "ldap",
  "ldaps",
  "irc",
  "ircs",
  "git",
  "svn",
  "rtsp",
  "mms",
  "socks",
  "socks4",
  "socks5",
  "gopher",
]);

/**
 * TLDs that are also common file extensions. A bare two-label name under one of these (`invoice.zip`,
 * `setup.py`, `run.sh`) is reported as a domain only when it was defanged or came from a URL or email.
 */
const fileExtensionTlds = new Set([
  "zip",
  "mov",
  "py",
  "sh",
  "md",
  "rs",
  "so",
  "ps",
  "pm",
  "pl",
  "one",
  "run",
  "ai",
  "bz",
  "cat",
  "cab",
  "key",
  "mobi",
  "ads",
]);

/**
 * The Sets of the IndicatorCollector running `scan`, null for `extract()`. A value the collector already holds
 * needs no second look: a URL as written that it holds is canonical as written and brought its host; a name it
 * holds is reported again to no effect, whatever the checks after its canonical form would say.
 */
let collecting: Record<IndicatorType, Set<string>> | null = null;

/**
 * Receives each finding as `token.text[from, to)`. Only `extract()` maps that span to an offset in the input
 * (through the refanged token's position map, valid until the next token is refanged); the collector behind
 * `extractGrouped` keeps values alone and never pays for it.
 */
type Emit = (
  type: IndicatorType,
  value: string,
  token: Token,
  from: number,
  to: number,
  derivedFrom?: "url" | "email",
) => void;

/**
 * A candidate token: the text that holds it, what to add to a position in that text to get the offset in the
 * input, and whether positions go through the position map. A token with nothing to refang is read in place
 * in the input (`start` 0, no copy); a refanged one is its own string (`start` = its offset in the input),
 * processed before the next token is refanged, so its map is the one refangToken left in its buffer.
 */
interface Token {
  text: string;
  start: number;
  refanged: boolean;
  defanged: boolean;
}

function position(token: Token, index: number): number {
  return token.start + (token.refanged ? refangedTokenOffset(index) : index);
}

function hostType(host: CanonicalHost): IndicatorType {
  return host.type;
}

function isSchemeChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46
  );
}

function findSchemeStart(text: string, from: number, colon: number): number {
  let start = colon;
  while (start > from && colon - start < 16 && isSchemeChar(text.charCodeAt(start - 1))) start--;
  while (start < colon && !isAlnum(text.charCodeAt(start))) start++;
  // `http` and `https` in any case, read in place (scheme characters are ASCII, so `| 32` lower-cases letters
  // and leaves `+ - .` and digits as they are).
  const schemeLength = colon - start;
  if (
    (schemeLength === 4 || (schemeLength === 5 && (text.charCodeAt(start + 4) | 32) === 115)) &&
    (text.charCodeAt(start) | 32) === 104 &&
    (text.charCodeAt(start + 1) | 32) === 116 &&
    (text.charCodeAt(start + 2) | 32) === 116 &&
    (text.charCodeAt(start + 3) | 32) === 112
  ) {
    return start;
  }
  const scheme = toLowerCaseIfNeeded(text.slice(start, colon));
  if (urlSchemes.has(scheme)) return start;
  // Glued prefixes such as `~Chttp://` or `url:http://`: accept a known scheme at the end of the run.
  for (const known of ["https", "http", "ftp"]) {
    if (scheme.endsWith(known)) return colon - known.length;
  }
  return -1;
}

/**
 * The last `indexOf("://")` answer for one text: in `token`'s text, none between `from` and `at` (-1: none to
 * the end). `text` may be the whole input, so an unbounded search per token would be quadratic; reusing the
 * answer while callers move forward keeps all searches of a text linear. The input and the refanged tokens
 * keep separate answers: with one shared answer, every refanged token in between sent the next in-place
 * token's search over the rest of the input again (quadratic: `a[.]bc cd:ef ` repeated, 512 KB in 6.8 s).
 */
class SeparatorSearch {
  #token: Token | null = null;
  #from = 0;
  #at = -1;

  /** First `://` wholly inside `token.text[from, to)`, or -1. */
  find(token: Token, from: number, to: number): number {
    if (token !== this.#token || from < this.#from || (this.#at >= 0 && this.#at < from)) {
      this.#token = token;
      this.#from = from;
      this.#at = token.text.indexOf("://", from);
    }
    return this.#at >= 0 && this.#at + 3 <= to ? this.#at : -1;
  }

  reset(): void {
    this.#token = null;
  }
}

const inputSeparators = new SeparatorSearch();
const refangedSeparators = new SeparatorSearch();

/** Only the in-place token (the input itself) has no position map. */
function findSeparator(token: Token, from: number, to: number): number {
  return (token.refanged ? refangedSeparators : inputSeparators).find(token, from, to);
}

function indexOfCode(text: string, code: number, from: number, to: number): number {
  for (let k = from; k < to; k++) if (text.charCodeAt(k) === code) return k;
  return -1;
}

/** Extracts from the token `token.text[from, to)`, which holds a colon (without one it holds no URL: processPlain). */
function processToken(token: Token, from: number, to: number, emit: Emit): void {
  const text = token.text;
  let cursor = from;
  // End of the URL whose path is being read: URLs nested in it (`?u=http://b.com/`) are reported too, but bare
  // names in a path (`/files/au.jp`, `gitlab.com/user.name/`) are path segments, not hosts.
  let urlEnd = from;
  // Nested URLs end where their parent ends, so each one's value runs to the same end: a chain of them
  // (`http://a.com/?u=` repeated) has values whose total length grows with the square of the token's. Their
  // characters are capped at twice the token's length (real text stays far below: three nested URLs of
  // the token's full length); past the cap the rest of the path is read as a path.
  let nestedBudget = 2 * (to - from);
  // The last scan for a URL's end, from `scannedFrom` to the terminator at `scannedEnd`: a scan starting
  // inside it stops at the same place, so a nested URL does not read its parent's path again.
  let scannedFrom = to + 1;
  let scannedEnd = -1;
  let separator = findSeparator(token, from, to);
  while (separator > from) {
    const schemeStart = findSchemeStart(text, from, separator);
    if (schemeStart < 0 || schemeStart < cursor) {
      separator = findSeparator(token, separator + 3, to);
      continue;
    }
    let end = separator + 3;
    if (text.charCodeAt(end) === 91) {
      const close = indexOfCode(text, 93, end, to);
      if (close > 0) end = close + 1;
    }
    if (end >= scannedFrom && end <= scannedEnd) end = scannedEnd;
    else {
      scannedFrom = end;
      while (end < to && urlTerminatorTable[text.charCodeAt(end)] === 0) end++;
      scannedEnd = end;
    }
    end = trimUrlEnd(text, schemeStart, end);
    if (schemeStart < urlEnd) {
      nestedBudget -= end - schemeStart;
      if (nestedBudget < 0) break;
    }
    processPlain(token, cursor, schemeStart, emit, schemeStart < urlEnd);
    const raw = text.slice(schemeStart, end);
    if (collecting?.url.has(raw)) {
      // canonicalUrlParts(raw) would return raw, its host already collected, and this authority end.
      cursor = urlAuthorityEnd(text, separator + 3, end);
      urlEnd = Math.max(urlEnd, end);
      separator = findSeparator(token, Math.max(cursor, separator + 3), to);
      continue;
    }
    const parts = canonicalUrlParts(raw);
    if (parts !== null) {
      emit("url", parts.value, token, schemeStart, end);
      const hostStart = schemeStart + parts.hostStart;
      emit(hostType(parts.host), parts.host.value, token, hostStart, hostStart + parts.hostLength, "url");
      cursor = schemeStart + parts.authorityEnd;
      urlEnd = Math.max(urlEnd, end);
    } else {
      processPlain(token, separator + 3, end, emit, schemeStart < urlEnd);
      cursor = end;
    }
    separator = findSeparator(token, Math.max(cursor, separator + 3), to);
  }
  if (cursor < urlEnd) {
    processPlain(token, cursor, urlEnd, emit, true);
    cursor = urlEnd;
  }
  processPlain(token, cursor, to, emit, false);
}

/** Drops trailing sentence punctuation and closing brackets the URL did not open. */
function trimUrlEnd(text: string, start: number, end: number): number {
  let stop = end;
  // Brackets of text[start, stop), counted once at the first `)` met (a recount per dropped `)` was
  // quadratic on `http://a.com/` followed by a run of `)`).
  let opens = -1;
  let closes = 0;
  while (stop > start) {
    const c = text.charCodeAt(stop - 1);
    if (
      c === 46 ||
      c === 44 ||
      c === 59 ||
      c === 58 ||
      c === 33 ||
      c === 63 ||
      c === 42 ||
      c === 39 ||
      c === 34
    ) {
      stop--;
      continue;
    }
    if (c === 41) {
      if (opens < 0) {
        opens = 0;
        for (let i = start; i < stop; i++) {
          const d = text.charCodeAt(i);
          if (d === 40) opens++;
          else if (d === 41) closes++;
        }
      }
      if (closes > opens) {
        closes--;
        stop--;
        continue;
      }
    }
    break;
  }
  return stop;
}

/** Characters that may occur inside a non-URL piece: host, IP, email, hash, CVE, ASN. */
function isPieceChar(c: number): boolean {
  if (c >= 128) return true;
  return isAlnum(c) || c === 46 || c === 45 || c === 95 || c === 64 || c === 58 || c === 43;
}

/**
 * The character predicates of the per-candidate loops as tables (one load per character instead of a chain
 * of comparisons; built from the predicates themselves). Index with in-range positions only.
 */
const pieceCharTable = new Uint8Array(65536);
/** In pieceCharTable: 1 an ASCII piece character other than these; `.`; `:` or `@`; non-ASCII. */
const PIECE_DOT = 2;
const PIECE_COLON_OR_AT = 3;
const PIECE_NON_ASCII = 4;
const urlTerminatorTable = new Uint8Array(65536);
for (let c = 0; c < 65536; c++) {
  let kind = 0;
  if (isPieceChar(c)) {
    kind = c === 46 ? PIECE_DOT : c === 58 || c === 64 ? PIECE_COLON_OR_AT : c >= 128 ? PIECE_NON_ASCII : 1;
  }
  pieceCharTable[c] = kind;
  urlTerminatorTable[c] = isUrlTerminator(c) ? 1 : 0;
}

function processPlain(token: Token, from: number, to: number, emit: Emit, inUrlPath: boolean): void {
  const text = token.text;
  let i = from;
  while (i < to) {
    while (i < to && pieceCharTable[text.charCodeAt(i)] === 0) i++;
    const pieceStart = i;
    let dots = 0;
    let lastDot = -1;
    let colonOrAt = false;
    let nonAscii = false;
    while (i < to) {
      const kind = pieceCharTable[text.charCodeAt(i)] ?? 1;
      if (kind !== 1) {
        if (kind === 0) break;
        if (kind === PIECE_DOT) {
          dots++;
          lastDot = i;
        } else if (kind === PIECE_COLON_OR_AT) colonOrAt = true;
        else nonAscii = true;
      }
      i++;
    }
    if (i - pieceStart < 3) continue;
    // CIDR: an IP piece followed by /prefix and a boundary.
    if (text.charCodeAt(i) === 47) {
      let j = i + 1;
      while (j < to && j - i <= 4 && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
      const next = text.charCodeAt(j);
      const afterDot = text.charCodeAt(j + 1);
      const boundary = j >= to || !(isAlnum(next) || (next === 46 && afterDot >= 48 && afterDot <= 57));
      if (j - i >= 2 && j - i <= 4 && boundary) {
        stripPiece(text, pieceStart, i);
        const a = strippedStart;
        const b = strippedEnd;
        const cidr = canonicalCidr(text.slice(a, j));
        if (cidr !== null) {
          emit("cidr", cidr, token, a, j);
          i = j;
          continue;
        }
        if (b < a) continue;
      }
    }
    // Without `.`, `:` or `@` classifyPiece reports only a hash (32+ characters), a CVE (starting `C`/`c`) or
    // an ASN (`AS`), after stripping leading `-_+`: path segments and words of file paths skip it.
    if (dots === 0 && !colonOrAt && i - pieceStart < 32) {
      const first = text.charCodeAt(pieceStart);
      if (first !== 67 && first !== 99 && first !== 65 && first !== 45 && first !== 95 && first !== 43)
        continue;
    }
    // An ASCII piece `name.label` (one dot, no `:` or `@`, shorter than a hash, nothing to strip at its ends)
    // in a URL's path, or whose last label is no known TLD: classifyPiece would report nothing (it ends there
    // with the same tests), so path segments, file names (`setup.exe`) and small defanged tokens (`a[.]bc`)
    // are ruled out before it is called.
    if (
      dots === 1 &&
      !colonOrAt &&
      !nonAscii &&
      i - pieceStart < 32 &&
      !isStrippable(text.charCodeAt(pieceStart)) &&
      !isStrippable(text.charCodeAt(i - 1)) &&
      (inUrlPath || !mayBeTldLabel(text, lastDot + 1, i) || !isKnownTldLabel(text, lastDot + 1, i))
    ) {
      continue;
    }
    // One colon between parts shorter than 3 (`12:30`, `cd:ef`), no dot or `@`: classifyPiece splits it at the
    // colon and looks at no part shorter than 3 (stripping only shortens them).
    if (colonOrAt && dots === 0 && i - pieceStart <= 5 && isShortColonPair(text, pieceStart, i)) continue;
    classifyPiece(token, pieceStart, i, emit, true, inUrlPath);
  }
}

/** `text[from, to)` holds one colon, no `@`, and fewer than 3 characters on each side of it. */
function isShortColonPair(text: string, from: number, to: number): boolean {
  let colon = -1;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === 64) return false;
    if (c === 58) {
      if (colon >= 0) return false;
      colon = k;
    }
  }
  return colon >= 0 && colon - from < 3 && to - colon < 4;
}

function hasDoubleColon(text: string, from: number, to: number): boolean {
  for (let k = from; k + 1 < to; k++)
    if (text.charCodeAt(k) === 58 && text.charCodeAt(k + 1) === 58) return true;
  return false;
}

function isStrippable(c: number): boolean {
  return c === 46 || c === 45 || c === 95 || c === 64 || c === 43 || c === 58;
}

/** Output of stripPiece, kept in module variables to avoid a tuple allocation per piece. */
let strippedStart = 0;
let strippedEnd = 0;

function stripPiece(text: string, from: number, to: number): void {
  let a = from;
  let b = to;
  const leadingDoubleColon = text.charCodeAt(a) === 58 && text.charCodeAt(a + 1) === 58;
  if (!leadingDoubleColon) while (a < b && isStrippable(text.charCodeAt(a))) a++;
  while (b > a && isStrippable(text.charCodeAt(b - 1))) {
    if (text.charCodeAt(b - 1) === 58 && text.charCodeAt(b - 2) === 58) break;
    b--;
  }
  strippedStart = a;
  strippedEnd = b;
}

/** Character classes counted by classifyPiece, one table load per character. */
const HEX_DIGIT = 0;
const HEX_LETTER = 1;
const DOT = 2;
const COLON_CLASS = 3;
const AT_SIGN = 4;
const HYPHEN = 5;
const LETTER = 6;
const OTHER_ASCII = 7;
const NON_ASCII = 8;
const pieceClassTable = new Uint8Array(65536).fill(NON_ASCII);
for (let c = 0; c < 128; c++) {
  let kind = OTHER_ASCII;
  if (c >= 48 && c <= 57) kind = HEX_DIGIT;
  else if (isHexCode(c)) kind = HEX_LETTER;
  else if (c === 46) kind = DOT;
  else if (c === 58) kind = COLON_CLASS;
  else if (c === 64) kind = AT_SIGN;
  else if (c === 45) kind = HYPHEN;
  else if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) kind = LETTER;
  pieceClassTable[c] = kind;
}

function classifyPiece(
  token: Token,
  from: number,
  to: number,
  emit: Emit,
  scanHashes: boolean,
  inUrlPath: boolean,
): void {
  const text = token.text;
  stripPiece(text, from, to);
  const a = strippedStart;
  const b = strippedEnd;
  const length = b - a;
  if (length < 3) return;

  let dots = 0;
  let lastDot = -1;
  let colons = 0;
  let at = -1;
  let letters = 0;
  let nonHexLetters = 0;
  let hyphens = 0;
  let other = 0;
  let nonAscii = false;
  // Counts before the last `@`: what follows it is known without reading it again.
  let colonsBeforeAt = 0;
  let lettersAndOtherBeforeAt = 0;
  // Hex runs are looked for only when one is long enough to be a hash: a separate pass over every long
  // piece cost a third of the time on hostile input such as `1.1.1.1...`.
  let hexRun = 0;
  let longestHexRun = 0;
  for (let i = a; i < b; i++) {
    const kind = pieceClassTable[text.charCodeAt(i)] ?? OTHER_ASCII;
    if (kind <= HEX_LETTER) {
      hexRun++;
      if (kind === HEX_LETTER) letters++;
      continue;
    }
    if (hexRun > longestHexRun) longestHexRun = hexRun;
    hexRun = 0;
    if (kind === DOT) {
      dots++;
      lastDot = i;
    } else if (kind === COLON_CLASS) colons++;
    else if (kind === AT_SIGN) {
      at = i;
      colonsBeforeAt = colons;
      lettersAndOtherBeforeAt = letters + other;
    } else if (kind === HYPHEN) hyphens++;
    else if (kind === LETTER) {
      letters++;
      nonHexLetters++;
    } else {
      other++;
      if (kind === NON_ASCII) nonAscii = true;
    }
  }
  // A piece that is one hex run is a hash or nothing.
  if (scanHashes && length >= 32 && Math.max(hexRun, longestHexRun) >= 32 && emitHexRuns(token, a, b, emit)) {
    return;
  }
  // An ASCII name whose last label cannot be a TLD is no domain, and no email: decided before any copy
  // (canonicalHostname applies the same test first).
  const tldShaped = nonAscii || mayBeTldLabel(text, lastDot + 1, b);

  if (at >= 0) {
    // In a URL's query an address is usually the victim's (`?email=user@example.jp`), not an indicator.
    if (inUrlPath) return;
    if (!tldShaped) {
      // After the last `@`: no colon, the last dot, not only digits and dots, nothing to strip at its start
      // (so the same range and counts): classifyPiece of it would fail the same TLD test and report nothing.
      // Hostile text such as `a1.b2:c3@d4[.]e5/` repeated makes one such piece per marker.
      if (
        lastDot > at &&
        colons === colonsBeforeAt &&
        letters + other > lettersAndOtherBeforeAt &&
        at + 1 < b &&
        !isStrippable(text.charCodeAt(at + 1))
      ) {
        return;
      }
      classifyPiece(token, at + 1, b, emit, false, inUrlPath);
      return;
    }
    let localStart = a;
    for (let i = at - 1; i >= a; i--) {
      if (text.charCodeAt(i) === 64) {
        localStart = i + 1;
        break;
      }
    }
    if (at > localStart) {
      const email = canonicalEmail(text.slice(localStart, b));
      if (email !== null) {
        emit("email", email, token, localStart, b);
        const domain = email.slice(email.lastIndexOf("@") + 1);
        emit("domain", domain, token, at + 1, b, "email");
        return;
      }
    }
    classifyPiece(token, at + 1, b, emit, false, inUrlPath);
    return;
  }

  const ipv6Shaped =
    colons >= 2 && (colons === 7 || (colons === 6 && dots === 3) || hasDoubleColon(text, a, b));
  if (ipv6Shaped && nonHexLetters === 0 && other === 0 && hyphens === 0) {
    const v6 = canonicalIpv6(text.slice(a, b));
    if (v6 !== null) {
      emit("ipv6", v6, token, a, b);
      return;
    }
  }
  if (colons > 0) {
    // `host:port`, `ip:port`, `a:b:c`: each part of 3+ characters on its own.
    classifyParts(token, a, b, 58, 3, emit, inUrlPath);
    return;
  }

  if (dots === 0) {
    const first = text.charCodeAt(a);
    if ((first === 67 || first === 99) && length >= 13 && length <= 16) {
      const cve = canonicalCve(text.slice(a, b));
      if (cve !== null) emit("cve", cve, token, a, b);
    } else if (first === 65 && text.charCodeAt(a + 1) === 83 && length <= 13) {
      const raw = text.slice(a, b);
      if (/^ASN?\d{1,10}$/.test(raw)) {
        const asn = canonicalAsn(raw);
        if (asn !== null) emit("asn", asn, token, a, b);
      }
    }
    return;
  }

  if (letters === 0 && other === 0) {
    if (hyphens > 0) {
      // Ranges such as 10.0.0.1-10.0.0.9: classify each side of 7+ characters (the shortest IPv4).
      classifyParts(token, a, b, 45, 7, emit, inUrlPath);
      return;
    }
    // Dotted numbers: IPv4 when exactly four octets; versions, dates and OIDs are not indicators.
    if (dots === 3) {
      const v4 = canonicalIpv4(text.slice(a, b));
      if (v4 !== null) emit("ipv4", v4, token, a, b);
    }
    return;
  }

  if (inUrlPath || !tldShaped) return;
  // A two-label ASCII name is a domain only under a known TLD (canonicalHostname's last test, which the PSL's
  // second-level-only ccTLDs relax for 3+ labels): `file.exe`, `a[.]bc` end here, before any copy.
  if (dots === 1 && !nonAscii && !isKnownTldLabel(text, lastDot + 1, b)) return;
  const raw = text.slice(a, b);
  if (collecting?.domain.has(raw)) return;
  const domain = canonicalHostname(raw);
  if (domain === null) return;
  if (!token.defanged && (looksLikeCode(raw) || looksLikeFileName(domain, dots))) return;
  // A bare public suffix (`co.jp`, `github.io`) names no one.
  if (dots === 1 && isPublicSuffix(domain)) return;
  emit("domain", domain, token, a, b);
}

/** Classifies each part of `token.text[from, to)` between `separator` characters that is `minLength` or longer. */
function classifyParts(
  token: Token,
  from: number,
  to: number,
  separator: number,
  minLength: number,
  emit: Emit,
  inUrlPath: boolean,
): void {
  const text = token.text;
  let partStart = from;
  for (let i = from; i <= to; i++) {
    if (i === to || text.charCodeAt(i) === separator) {
      if (i - partStart >= minLength) classifyPiece(token, partStart, i, emit, false, inUrlPath);
      partStart = i + 1;
    }
  }
}

/** `text[start, end)` is letters only (2+) or starts with `xn--`: what canonicalHostname requires of a TLD. */
function mayBeTldLabel(text: string, start: number, end: number): boolean {
  if (end - start < 2) return false;
  const isALabel =
    end - start >= 4 &&
    (text.charCodeAt(start) | 32) === 120 &&
    (text.charCodeAt(start + 1) | 32) === 110 &&
    text.charCodeAt(start + 2) === 45 &&
    text.charCodeAt(start + 3) === 45;
  if (isALabel) return true;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) | 32;
    if (c < 97 || c > 122) return false;
  }
  return true;
}

/**
 * `System.IO.File`, `WScript.Shell`, `document.getElementById`: a capitalised TLD in mixed-case text, or a
 * camelCase label, marks a code identifier. All-upper-case names (`WWW.EXAMPLE.COM`) stay domains.
 */
function looksLikeCode(raw: string): boolean {
  let hasLower = false;
  let hasUpper = false;
  let camel = false;
  let previousLower = false;
  let lastDot = -1;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    const upper = c >= 65 && c <= 90;
    const lower = c >= 97 && c <= 122;
    if (upper) {
      hasUpper = true;
      if (previousLower) camel = true;
    }
    if (lower) hasLower = true;
    if (c === 46) lastDot = i;
    previousLower = lower;
  }
  if (!hasUpper || !hasLower) return false;
  if (camel) return true;
  for (let i = lastDot + 1; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}

function looksLikeFileName(domain: string, dots: number): boolean {
  if (dots !== 1) return false;
  return fileExtensionTlds.has(domain.slice(domain.lastIndexOf(".") + 1));
}

/**
 * Reports maximal hex runs of exactly 32, 40, 64 or 128 digits (never a slice of a longer run), bounded by
 * non-hex characters, not `0x`-prefixed, and holding at least one digit (`abcdef...` runs are words or
 * padding; all-digit runs are kept: researchers post such MD5s and 32-digit numbers are rare in text).
 */
function emitHexRuns(token: Token, from: number, to: number, emit: Emit): boolean {
  const text = token.text;
  let i = from;
  while (i < to) {
    while (i < to && !isHexCode(text.charCodeAt(i))) i++;
    const runStart = i;
    let digits = 0;
    while (i < to && isHexCode(text.charCodeAt(i))) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) digits++;
      i++;
    }
    const length = i - runStart;
    if (length < 32 || digits === 0) continue;
    if (runStart > 0 && (text.charCodeAt(runStart - 1) | 32) === 120 && text.charCodeAt(runStart - 2) === 48)
      continue;
    const type = hashLengths[length];
    if (type !== undefined) emit(type, toLowerCaseIfNeeded(text.slice(runStart, i)), token, runStart, i);
    if (runStart === from && i === to) return true;
  }
  return false;
}

/** True when `text[from, to)` holds a character with `flag`. */
function hasFlag(text: string, from: number, to: number, flag: number): boolean {
  for (let k = from; k < to; k++) if ((flagsOf(text.charCodeAt(k)) & flag) !== 0) return true;
  return false;
}

/**
 * Walks the text once, handing candidate tokens to processToken. The inner loop only ORs character flags
 * together; everything else is decided once per token, and only tokens that hold a trigger look further.
 */
function scan(text: string, emit: Emit): void {
  const length = text.length;
  // Tokens with nothing to refang are read in place: no copy per token.
  const inPlace: Token = { text, start: 0, refanged: false, defanged: false };
  let i = 0;
  while (i < length) {
    while (i < length && flagsOf(text.charCodeAt(i)) === DELIMITER) i++;
    const start = i;
    let joined = false;
    let anyFlags = 0;
    while (i < length) {
      const flags = flagsOf(text.charCodeAt(i));
      if (flags !== DELIMITER) {
        anyFlags |= flags;
        i++;
        continue;
      }
      // Spaced markers join at most a few hundred characters: real indicators are short.
      const c = text.charCodeAt(i);
      if (
        (c === 32 || c === 9) &&
        mayFollowJoinerSpace[text.charCodeAt(i + 1)] === 1 &&
        i > start &&
        i - start < maxJoinedToken &&
        isAlnum(text.charCodeAt(i - 1))
      ) {
        let k = i;
        while (k < length && k - i < 3 && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9)) k++;
        if (mayStartJoiner(text, k)) {
          joinerPattern.lastIndex = i;
          if (joinerPattern.test(text)) {
            joined = true;
            i = joinerPattern.lastIndex;
            continue;
          }
        }
      }
      break;
    }
    const end = i;
    if (end === start) continue;
    const tokenLength = end - start;
    // Fast path: a bare hex token (the bulk of hash lists) is a hash of a known length or nothing.
    if (!joined && tokenLength >= 32 && (anyFlags & NOT_HEX) === 0) {
      emitBareHash(inPlace, start, end, anyFlags, emit);
      continue;
    }
    let interesting = joined || tokenLength >= 32;
    if (!interesting) {
      const first = text.charCodeAt(start);
      interesting =
        ((first === 67 || first === 99) && tokenLength >= 13) ||
        (first === 65 && text.charCodeAt(start + 1) === 83);
    }
    if (!interesting && (anyFlags & TRIGGER) !== 0) {
      let trimmedEnd = end;
      while (trimmedEnd > start && isTrailingPunctuation(text.charCodeAt(trimmedEnd - 1))) {
        // `fe80::` ends in a double colon that belongs to the address.
        if (text.charCodeAt(trimmedEnd - 1) === 58 && text.charCodeAt(trimmedEnd - 2) === 58) break;
        trimmedEnd--;
      }
      // The flags already prove a trigger when no trailing punctuation was cut off.
      interesting = trimmedEnd === end || hasFlag(text, start, trimmedEnd, TRIGGER);
    }
    if (!interesting) continue;
    if (joined || (anyFlags & MARK) !== 0) {
      const refanged = refangToken(text, start, end);
      if (refanged !== null) {
        const token: Token = { text: refanged, start, refanged: true, defanged: refangedTokenDefanged() };
        // Without a colon a token holds no URL: processToken would go straight to processPlain.
        if ((anyFlags & COLON) !== 0 || refangedTokenMayAddColon())
          processToken(token, 0, refanged.length, emit);
        else processPlain(token, 0, refanged.length, emit, false);
        continue;
      }
    }
    if ((anyFlags & COLON) !== 0) processToken(inPlace, start, end, emit);
    else processPlain(inPlace, start, end, emit, false);
  }
  inputSeparators.reset();
  refangedSeparators.reset();
}

/** Reports the bare hex token `text[start, end)`, whose characters' flags OR to `flags`, if it is a hash. */
function emitBareHash(token: Token, start: number, end: number, flags: number, emit: Emit): void {
  const text = token.text;
  const type = hashLengths[end - start];
  if (type === undefined) return;
  if ((flags & DIGIT) === 0) return;
  if ((text.charCodeAt(start - 1) | 32) === 120 && text.charCodeAt(start - 2) === 48) return;
  const value = text.slice(start, end);
  emit(type, (flags & UPPER_HEX) !== 0 ? value.toLowerCase() : value, token, start, end);
}

/**
 * Finds every indicator in free text (reports, emails, chat, HTML, Markdown, CSV, JSON), refanging as it
 * goes. Each finding carries its canonical value and its UTF-16 offset and length as written; a URL's
 * host and an email's domain are reported too, with `derivedFrom`. Linear time in the input length.
 *
 * @example extract("C2 at hxxp://evil[.]com:8080/x.") // url http://evil.com:8080/x, domain evil.com
 */
export function extract(text: string, options: ExtractOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const wanted = options.types === undefined ? null : new Set<IndicatorType>(options.types);
  scan(text, (type, value, token, from, to, derivedFrom) => {
    if (wanted !== null && !wanted.has(type)) return;
    const offset = position(token, from);
    const finding: Finding = { type, value, offset, length: position(token, to) - offset };
    if (derivedFrom !== undefined) finding.derivedFrom = derivedFrom;
    findings.push(finding);
  });
  return findings;
}

/** Unique canonical values per type, collected across calls (the CLI feeds it window by window). */
export class IndicatorCollector {
  readonly #values: Record<IndicatorType, Set<string>> = {
    ipv4: new Set(),
    ipv6: new Set(),
    cidr: new Set(),
    domain: new Set(),
    url: new Set(),
    email: new Set(),
    md5: new Set(),
    sha1: new Set(),
    sha256: new Set(),
    sha512: new Set(),
    cve: new Set(),
    asn: new Set(),
  };

  /** Adds every indicator found in `text`. */
  add(text: string): void {
    const values = this.#values;
    collecting = values;
    try {
      scan(text, (type, value) => {
        values[type].add(value);
      });
    } finally {
      collecting = null;
    }
  }

  /** Sorted unique values per type, in the order of `indicatorTypes`; types without findings omitted. */
  grouped(order: readonly IndicatorType[]): Partial<Record<IndicatorType, string[]>> {
    const result: Partial<Record<IndicatorType, string[]>> = {};
    for (const type of order) {
      const set = this.#values[type];
      if (set.size > 0) result[type] = sortByCodeUnits([...set]);
    }
    return result;
  }
}
