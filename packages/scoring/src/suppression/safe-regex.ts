/**
 * Regex entries run on the platform's backtracking engine (V8 / workerd offer no linear-time engine),
 * so a hostile or careless pattern such as `(a+)+$` could stall an isolate on one crafted indicator.
 * We accept only patterns that cannot backtrack catastrophically and bound the rest:
 *  - no quantified group that itself contains a quantifier or an alternation (star height 1): the
 *    cause of exponential backtracking;
 *  - at most 3 unbounded quantifiers (`*`, `+`, `{n,}`), which bounds the polynomial worst case;
 *  - no back-references (they make matching NP-hard);
 *  - pattern at most 512 characters, input at most `maxRegexInputLength` characters (longer values are
 *    not tested against regex entries).
 * Patterns are compiled once when the index is built.
 */
export const maxRegexInputLength = 512;
const maxPatternLength = 512;
const maxUnboundedQuantifiers = 3;

export type SafeRegexResult = { ok: true; regex: RegExp } | { ok: false; reason: string };

/** Splits a MISP-style `/pattern/flags` entry; a bare pattern is taken as is. */
function splitDelimited(entry: string): { source: string; flags: string } {
  if (entry.startsWith("/")) {
    const end = entry.lastIndexOf("/");
    if (end > 0) return { source: entry.slice(1, end), flags: entry.slice(end + 1) };
  }
  return { source: entry, flags: "" };
}

interface GroupState {
  hasQuantifier: boolean;
  hasAlternation: boolean;
}

/** Finds the structural risks of a pattern; null when it is safe to run. */
function backtrackingRisk(source: string): string | null {
  const stack: GroupState[] = [{ hasQuantifier: false, hasAlternation: false }];
  let unbounded = 0;
  let lastClosedGroup: GroupState | undefined;
  let i = 0;
  while (i < source.length) {
    const char = source[i];
    const top = stack[stack.length - 1] ?? { hasQuantifier: false, hasAlternation: false };
    if (char === "\\") {
      const next = source[i + 1] ?? "";
      if (/[1-9]/.test(next) || next === "k") return "back-references are not allowed";
      lastClosedGroup = undefined;
      i += 2;
      continue;
    }
    if (char === "[") {
      // Skip the character class; its contents are literals.
      i++;
      if (source[i] === "^") i++;
      if (source[i] === "]") i++;
      while (i < source.length && source[i] !== "]") i += source[i] === "\\" ? 2 : 1;
      lastClosedGroup = undefined;
      i++;
      continue;
    }
    if (char === "(") {
      stack.push({ hasQuantifier: false, hasAlternation: false });
      lastClosedGroup = undefined;
      i++;
      if (source[i] === "?") {
        // Group modifiers such as (?: (?= (?! (?<name> (?<= (?<!
        i++;
        if (source[i] === "<" && source[i + 1] !== "=" && source[i + 1] !== "!") {
          while (i < source.length && source[i] !== ">") i++;
        }
        i++;
      }
      continue;
    }
    if (char === ")") {
      if (stack.length <= 1) return "unbalanced parenthesis";
      const closed = stack.pop();
      const parent = stack[stack.length - 1];
      if (closed !== undefined && parent !== undefined) {
        if (closed.hasQuantifier) parent.hasQuantifier = true;
        if (closed.hasAlternation) parent.hasAlternation = true;
      }
      lastClosedGroup = closed;
      i++;
      continue;
    }
    if (char === "|") {
      top.hasAlternation = true;
      lastClosedGroup = undefined;
      i++;
      continue;
    }
    let quantifier: { unbounded: boolean; repeats: boolean; length: number } | undefined;
    if (char === "*" || char === "+") quantifier = { unbounded: true, repeats: true, length: 1 };
    else if (char === "?") quantifier = { unbounded: false, repeats: false, length: 1 };
    else if (char === "{") {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (match !== null) {
        const min = Number(match[1]);
        const max =
          match[2] === undefined ? min : match[3] === "" ? Number.POSITIVE_INFINITY : Number(match[3]);
        quantifier = {
          unbounded: max === Number.POSITIVE_INFINITY,
          repeats: max > 1,
          length: match[0].length,
        };
      }
    }
    if (quantifier !== undefined) {
      if (quantifier.unbounded) unbounded++;
      if (
        lastClosedGroup !== undefined &&
        quantifier.repeats &&
        (lastClosedGroup.hasQuantifier || lastClosedGroup.hasAlternation)
      ) {
        return "nested quantifier (a repeated group that contains a quantifier or alternation)";
      }
      top.hasQuantifier = top.hasQuantifier || quantifier.repeats;
      i += quantifier.length;
      // A lazy or possessive suffix does not change the structure.
      if (source[i] === "?") i++;
      lastClosedGroup = undefined;
      continue;
    }
    lastClosedGroup = undefined;
    i++;
  }
  if (stack.length !== 1) return "unbalanced parenthesis";
  if (unbounded > maxUnboundedQuantifiers) {
    return `more than ${maxUnboundedQuantifiers} unbounded quantifiers`;
  }
  return null;
}

/**
 * Compiles a warninglist or allowlist regex entry if it is safe to run, else says why not.
 * Accepts MISP's `/pattern/flags` form; flags i, m, s are kept, g and u are dropped (matching is
 * a yes/no test, and PCRE escapes such as `\@` are invalid under u), any other flag is refused.
 *
 * @example compileSafeRegex("/^(security|abuse)\\@.*$/i") // { ok: true, regex: /^(security|abuse)\@.*$/i }
 */
export function compileSafeRegex(entry: string): SafeRegexResult {
  const { source, flags } = splitDelimited(entry);
  if (source.length === 0) return { ok: false, reason: "empty pattern" };
  if (source.length > maxPatternLength) return { ok: false, reason: "pattern longer than 512 characters" };
  let kept = "";
  for (const flag of flags) {
    if (flag === "g" || flag === "u") continue;
    if (flag === "i" || flag === "m" || flag === "s") {
      if (!kept.includes(flag)) kept += flag;
      continue;
    }
    return { ok: false, reason: `unsupported flag "${flag}"` };
  }
  const risk = backtrackingRisk(source);
  if (risk !== null) return { ok: false, reason: risk };
  try {
    return { ok: true, regex: new RegExp(source, kept) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : "invalid pattern" };
  }
}
