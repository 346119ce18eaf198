import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extractGrouped, refang } from "@threatfusion/ioc";
import { afterAll, describe, expect, it } from "vitest";

const main = join(import.meta.dirname, "main.ts");
const scratch = mkdtempSync(join(tmpdir(), "tf-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Spawns the real CLI, as `pnpm tf` does. */
function tf(args: string[], input?: string | Uint8Array) {
  const result = spawnSync(process.execPath, [main, ...args], {
    input,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  return {
    status: result.status,
    stdout: result.stdout.toString("utf8"),
    stderr: result.stderr.toString("utf8"),
  };
}

const report = [
  "Emotet C2: hxxps://Evil[.]COM:443/gate.php?id=1, backup 162.252.172[.]54:8080 (see 10.1.2.3/24).",
  "Phish from admin[@]evil[.]org. Hash: D41D8CD98F00B204E9800998ECF8427E; exploited CVE-2021-44228 via AS13335.",
  "Not indicators: version 1.2.3.4.5, invoice.pdf, System.IO.File.",
].join("\n");

const expected = {
  ipv4: ["162.252.172.54"],
  cidr: ["10.1.2.0/24"],
  domain: ["evil.com", "evil.org"],
  url: ["https://evil.com/gate.php?id=1"],
  email: ["admin@evil.org"],
  md5: ["d41d8cd98f00b204e9800998ecf8427e"],
  cve: ["CVE-2021-44228"],
  asn: ["AS13335"],
};

describe("tf", () => {
  it("lists its commands on --help", () => {
    const result = tf(["--help"]);
    expect(result.status).toBe(0);
    for (const name of ["extract", "refang", "defang"]) expect(result.stdout).toContain(`  ${name}`);
  });

  it("rejects an unknown command with exit 2", () => {
    const result = tf(["frobnicate"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });

  it("rejects an unknown option with exit 2", () => {
    const result = tf(["extract", "--yaml"], "");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("unknown option --yaml");
  });
});

describe("tf extract", () => {
  it("prints one JSON object of sorted unique canonical values from a file", () => {
    const file = join(scratch, "report.txt");
    writeFileSync(file, `${report}\n${report}\n`);
    const result = tf(["extract", file, "--json"]);
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(result.stdout)).toEqual(expected);
  });

  it("reads stdin with - or without a file", () => {
    expect(JSON.parse(tf(["extract", "-", "--json"], report).stdout)).toEqual(expected);
    expect(JSON.parse(tf(["extract", "--json"], report).stdout)).toEqual(expected);
  });

  it("prints {} when nothing is found", () => {
    expect(tf(["extract", "--json"], "just words, 1.2.3").stdout.trim()).toBe("{}");
  });

  it("prints a readable table without --json", () => {
    const result = tf(["extract"], report);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^TYPE\s+VALUE/);
    expect(result.stdout).toMatch(/url\s+https:\/\/evil\.com\/gate\.php\?id=1/);
    expect(result.stdout).toContain("9 indicators");
  });

  it("explains an unreadable file", () => {
    const missing = tf(["extract", join(scratch, "missing.txt"), "--json"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*missing\.txt: no such file/);
    const directory = tf(["extract", scratch, "--json"]);
    expect(directory.status).toBe(1);
    expect(directory.stderr).toContain("is a directory");
  });

  it("refuses binary input and invalid UTF-8 with a clear message", () => {
    const binary = tf(["extract", "--json"], new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]));
    expect(binary.status).toBe(1);
    expect(binary.stderr).toContain("looks like binary data");
    const latin1 = tf(["extract", "--json"], new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0x31]));
    expect(latin1.status).toBe(1);
    expect(latin1.stderr).toContain("not valid UTF-8");
  });

  it("handles a 24 MB single line in bounded windows without losing indicators at window edges", () => {
    const filler = "lorem ipsum dolor sit amet ".repeat(4000); // about 108 KB between indicators
    const parts: string[] = [];
    for (let i = 0; i < 220; i++) parts.push(filler, `hxxp://host${i}[.]example[.]com/p${i} 10.0.${i}.1 `);
    const file = join(scratch, "one-line.txt");
    writeFileSync(file, parts.join(""));
    const result = tf(["extract", file, "--json"]);
    expect(result.status).toBe(0);
    const grouped = JSON.parse(result.stdout) as { url: string[]; ipv4: string[] };
    expect(grouped.url).toHaveLength(220);
    expect(grouped.ipv4).toHaveLength(220);
  }, 120_000);

  it("cuts windows between characters, never inside one: multi-byte text reads as in one piece", () => {
    // ~3.4 MB of lines whose lengths vary, so the 1 MiB read chunks (and stdin's pipe chunks) end inside
    // two-, three- and four-byte characters; every window must still decode, and nothing at an edge be lost.
    const lines: string[] = [];
    for (let i = 0; i < 36_000; i++) {
      lines.push(
        `${"é".repeat(i % 7)}テスト${i} bücher${i}[.]de 🦊 hxxp://host${i}[.]example[.]com/ü${i} 10.${i % 250}.0[.]1`,
      );
    }
    const text = lines.join("\n");
    expect(Buffer.byteLength(text)).toBeGreaterThan(3 * 1024 * 1024);
    const file = join(scratch, "multi-byte.txt");
    writeFileSync(file, text);
    const extracted = tf(["extract", file, "--json"]);
    expect(extracted.status).toBe(0);
    expect(JSON.parse(extracted.stdout)).toEqual(extractGrouped(text));
    const refanged = tf(["refang"], text);
    expect(refanged.status).toBe(0);
    expect(refanged.stdout).toBe(refang(text));
  }, 120_000);

  it("survives a long run without any whitespace", () => {
    const file = join(scratch, "no-spaces.txt");
    writeFileSync(file, `${"a".repeat(3_000_000)},8.8.8.8,${"[.]".repeat(1_000_000)}`);
    const result = tf(["extract", file, "--json"]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ ipv4: ["8.8.8.8"] });
  }, 120_000);
});

describe("tf refang / tf defang", () => {
  it("refangs stdin to stdout", () => {
    const result = tf(["refang"], "hxxps[:]//evil[.]com/a and bob(at)evil(dot)org\n");
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("https://evil.com/a and bob@evil.org\n");
  });

  it("defangs stdin to stdout, and refang undoes it", () => {
    const text = "C2 https://evil.com/a.php and 1.2.3.4, mail bob@evil.org.\n";
    const defanged = tf(["defang"], text);
    expect(defanged.stdout).toBe("C2 hxxps://evil[.]com/a.php and 1[.]2[.]3[.]4, mail bob[@]evil[.]org.\n");
    expect(tf(["refang"], defanged.stdout).stdout).toBe(text);
  });

  it("takes no file argument", () => {
    expect(tf(["refang", "x.txt"]).status).toBe(2);
  });
});
