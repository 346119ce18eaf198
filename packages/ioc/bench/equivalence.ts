/**
 * Equivalence dump for refactors of the extractor: runs extract() (findings with offsets), extractGrouped()
 * (the sorted unique values) and refang() over
 * ~30,000 inputs (the extraction corpora, the package fixtures, the adversarial inputs at 3,000 characters and
 * 30,000 deterministic fuzz strings built from defang markers and indicator pieces) and writes them as JSON.
 * Run it for the committed engine and for the changed one, then compare the files byte for byte:
 *
 *   git show HEAD:packages/ioc/src/... > /tmp/base/src/...   (a copy of the committed src, with node_modules linked)
 *   node packages/ioc/bench/equivalence.ts /tmp/base/src/index.ts /tmp/base.json
 *   node packages/ioc/bench/equivalence.ts packages/ioc/src/index.ts /tmp/new.json && cmp /tmp/base.json /tmp/new.json
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { adversarialInputs } from "./adversarial.ts";
import { packageFixtures, sharedFixtures } from "./corpora.ts";

const source = resolve(process.argv[2] ?? join(packageFixtures, "..", "src", "index.ts"));
const output = process.argv[3] ?? "equivalence.json";
const engine: {
  extract: (text: string) => unknown;
  extractGrouped: (text: string) => unknown;
  refang: (text: string) => string;
} = await import(source);

const inputs: Array<[string, string]> = [];
function walk(directory: string): void {
  for (const name of readdirSync(directory).sort()) {
    const path = join(directory, name);
    const stat = statSync(path);
    if (stat.isDirectory()) walk(path);
    else if (stat.size < 3_000_000) {
      const text = readFileSync(path, "utf8");
      if (!text.includes("\u0000")) inputs.push([path, text]);
    }
  }
}
const corpora = join(sharedFixtures, "ioc-extraction");
if (existsSync(corpora)) walk(corpora);
else console.log(`${corpora} absent: package fixtures, adversarial and fuzz inputs only`);
walk(packageFixtures);
for (const [name, text] of adversarialInputs(3000)) inputs.push([`adv:${name}`, text]);

// Deterministic fuzz (a fixed linear congruential generator) over pieces that trigger every branch.
let seed = 12345;
const random = (n: number): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
const pieces = [
  "a",
  "b",
  "e",
  "x",
  "X",
  "h",
  "hxxp",
  "hXXps",
  "http",
  "://",
  "[.]",
  "(.)",
  "{.}",
  "[dot]",
  "(dot)",
  "DOT",
  "AT",
  "[@]",
  "(at)",
  "@",
  ".",
  ".",
  ".",
  ":",
  "::",
  "/",
  "\\.",
  "\\",
  "[",
  "]",
  "(",
  ")",
  "{",
  "}",
  " ",
  " ",
  "\t",
  "\n",
  "com",
  "org",
  "zip",
  "1",
  "2",
  "255",
  "10",
  "0",
  "ff",
  "deadbeef",
  "CVE-2021-44228",
  "AS15169",
  "-",
  "_",
  ",",
  ";",
  "'",
  '"',
  "<",
  ">",
  "é",
  "テ",
  "co.uk",
  "www",
  "[:]",
  "[://]",
  "-dot-",
  "^.",
  "*",
  "0x",
  "d41d8cd98f00b204e9800998ecf8427e",
  "?q=",
  "#",
  "%20",
  "evil",
  "Example",
  "System.IO.File",
  "1.2.3.4",
  "fe80::1",
  "/24",
  "user@",
  " [.] ",
  " . ",
  " AT ",
  " DOT ",
  ")",
  ")))",
  "?u=http://",
];
for (let n = 0; n < 30_000; n++) {
  const count = 1 + random(14);
  let text = "";
  for (let k = 0; k < count; k++) text += pieces[random(pieces.length)];
  inputs.push([`fuzz${n}`, text]);
}

const result: unknown[] = [];
for (const [name, text] of inputs) {
  result.push([
    name,
    engine.extract(text),
    engine.extractGrouped(text),
    text.length < 200_000 ? engine.refang(text) : null,
  ]);
}
writeFileSync(output, JSON.stringify(result));
console.log(`${inputs.length} inputs -> ${output}`);
