/** A URL runs to the first character that cannot be part of one in running text: `, " ' < > [ ] { } | \ ` ^` and whitespace. */
export function isUrlTerminator(c: number): boolean {
  return (
    c <= 32 ||
    c === 44 ||
    c === 34 ||
    c === 39 ||
    c === 60 ||
    c === 62 ||
    c === 91 ||
    c === 93 ||
    c === 123 ||
    c === 125 ||
    c === 124 ||
    c === 92 ||
    c === 96 ||
    c === 94
  );
}
