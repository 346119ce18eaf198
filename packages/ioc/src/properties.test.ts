import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalize, defang, detectIndicator, extractGrouped, refang } from "./index.ts";
import { groupedFromFindings } from "./testing/grouped-findings.ts";
import type { IndicatorType } from "./types.ts";

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
const tld = fc.constantFrom("com", "org", "net", "io", "de", "co.uk", "xn--p1ai", "info", "ru");
const domain = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), tld)
  .map(([labels, suffix]) => `${labels.join(".")}.${suffix}`);
const ipv4 = fc.ipV4();
// The unspecified address `::` is not reported from free text (it is two colons in prose).
const ipv6 = fc.ipV6().filter((value) => {
  const result = canonicalize("ipv6", value);
  return result.ok && result.value !== "::";
});
const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${length}}$`));
// Paths end in a letter, digit or slash: a URL written with a trailing `.` or `,` is cut there on purpose.
const path = fc.stringMatching(
  /^(?:\/(?:[A-Za-z0-9._~-]{0,8}[A-Za-z0-9])?){0,3}(?:\?[a-z]=[A-Za-z0-9]{1,5})?$/,
);
const url = fc
  .tuple(
    fc.constantFrom("http", "https", "ftp", "HTTP"),
    fc.oneof(domain, ipv4),
    fc.option(fc.integer({ min: 1, max: 65535 })),
    path,
  )
  .map(([scheme, host, port, rest]) => `${scheme}://${host}${port === null ? "" : `:${port}`}${rest}`);
const email = fc
  .tuple(fc.stringMatching(/^[a-z0-9]+(?:[._+-][a-z0-9]+){0,2}$/), domain)
  .map(([local, host]) => `${local}@${host}`);

const typed: Array<[IndicatorType, fc.Arbitrary<string>]> = [
  ["domain", domain],
  ["ipv4", ipv4],
  ["ipv6", ipv6],
  ["url", url],
  ["email", email],
  ["md5", hex(32)],
  ["sha1", hex(40)],
  ["sha256", hex(64)],
  [
    "cve",
    fc
      .tuple(fc.integer({ min: 1999, max: 2030 }), fc.integer({ min: 1, max: 999999 }))
      .map(([y, n]) => `cve-${y}-${String(n).padStart(4, "0")}`),
  ],
  ["asn", fc.integer({ min: 0, max: 4294967295 }).map((n) => `AS${n}`)],
  ["cidr", fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([ip, prefix]) => `${ip}/${prefix}`)],
];

function canonical(type: IndicatorType, raw: string): string {
  const result = canonicalize(type, raw);
  if (!result.ok) throw new Error(`${type} ${raw}: ${result.reason}`);
  return result.value;
}

describe("properties", () => {
  it.each(typed)("canonicalize is idempotent for %s", (type, arbitrary) => {
    fc.assert(
      fc.property(arbitrary, (raw) => {
        const once = canonical(type, raw);
        expect(canonical(type, once)).toBe(once);
      }),
    );
  });

  it.each(typed)("refang(defang(x)) == x for canonical %s", (type, arbitrary) => {
    fc.assert(
      fc.property(arbitrary, (raw) => {
        const value = canonical(type, raw);
        expect(refang(defang(value))).toBe(value);
        expect(canonical(type, defang(value))).toBe(value);
      }),
    );
  });

  it.each(typed.filter(([type]) => type !== "cidr"))(
    "detectIndicator recognises canonical %s",
    (type, arbitrary) => {
      fc.assert(
        fc.property(arbitrary, (raw) => {
          const value = canonical(type, raw);
          expect(detectIndicator(value)).toEqual({ ok: true, type, value });
        }),
      );
    },
  );

  const prose = fc.constantFrom(
    "Observed",
    "the beacon to",
    "and then",
    "IOC:",
    "(see",
    "- ",
    "C2 server",
    "“quoted”",
  );
  const after = fc.constantFrom(".", ",", ")", "", " today.", ";", "!");

  it.each(typed)("extraction finds a canonical %s embedded in prose", (type, arbitrary) => {
    fc.assert(
      fc.property(prose, arbitrary, after, fc.boolean(), (before, raw, tail, defanged) => {
        const value = canonical(type, raw);
        const written = defanged ? defang(value) : value;
        const text = `${before} ${written}${tail} more words`;
        expect(extractGrouped(text)[type] ?? []).toContain(value);
      }),
    );
  });

  // The collector behind extractGrouped skips values it already holds (a URL or name seen before); extract()
  // looks at every occurrence. Repeated values in every written form must give the same answer.
  it("extractGrouped answers what extract() finds, with values repeated as written, canonical and defanged", () => {
    const written = fc
      .tuple(
        fc.oneof(
          ...typed.map(([, arbitrary]) => arbitrary),
          // Names in a URL's path are path segments, not domains: a URL met again must still be read as one.
          fc.tuple(url, domain).map(([value, name]) => `${value}/${name}`),
        ),
        fc.constantFrom("raw", "defanged", "upper"),
      )
      .map(([raw, form]) => (form === "defanged" ? defang(raw) : form === "upper" ? raw.toUpperCase() : raw));
    const piece = fc.tuple(prose, written, after).map(([before, value, tail]) => `${before} ${value}${tail}`);
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }), fc.nat(), (pieces, seed) => {
        // Each piece twice, the second copy later and in another order, so most values are met again.
        const again = pieces.map((_, i) => pieces[(i + seed) % pieces.length] ?? "");
        const text = [...pieces, ...again].join(" ");
        expect(extractGrouped(text)).toEqual(groupedFromFindings(text));
      }),
    );
  });
});
