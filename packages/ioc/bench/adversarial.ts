/**
 * Hostile inputs for the linear-time guarantee: long runs of the characters that make backtracking
 * extractors explode (dots, digits, hex, brackets, `@`, `:`, defang markers, almost-URLs).
 */
export function adversarialInputs(size: number): Array<[string, string]> {
  const fill = (unit: string): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  return [
    ["dots", fill(".")],
    ["digits", fill("1")],
    ["digits and dots", fill("1.")],
    ["hex", fill("a")],
    ["hex run of 33", fill(`${"ab".repeat(16)}a `)],
    ["brackets", fill("[")],
    ["defang markers", fill("[.]")],
    ["spaced defang", fill("a [.] ")],
    ["at signs", fill("@")],
    ["email-ish", fill("a@b.")],
    ["colons", fill(":")],
    ["hex and colons", fill("a:")],
    ["almost url", fill("http://")],
    ["url with long path", `http://evil.com/${fill("a/")}`],
    ["labels without tld", fill("abc.")],
    ["hyphens and dots", fill("-.")],
    ["parentheses", fill("(")],
    ["backslashes", fill("\\")],
    ["no spaces mixed", fill("a1.b2:c3@d4[.]e5/")],
    // Found quadratic in session 7 (now linear): URLs nested in URLs, whose values all run to the same end;
    // a URL followed by a run of `)`; refanged tokens between tokens with a colon and no `://` after them.
    ["nested urls", fill("http://a.com/?u=")],
    ["url then closing brackets", `http://evil.com/${fill(")")}`],
    ["refanged and colon tokens", fill("a[.]bc cd:ef ")],
    // Session 8: the most small defanged tokens per MB (150,000), each refanged, classified and rejected.
    ["refanged tokens", fill("a[.]bc ")],
  ];
}
