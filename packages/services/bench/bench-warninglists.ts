/**
 * The MISP warninglists the benchmarks import: all of /work/shared/fixtures/warninglists when present (136 lists,
 * CC0), else the repository's fixture lists (the suite and the benchmarks run without /work/shared).
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { WarninglistDocument } from "../src/warninglists/import.ts";

const sharedLists = "/work/shared/fixtures/warninglists/lists";

export async function loadBenchWarninglists(): Promise<{ documents: WarninglistDocument[]; origin: string }> {
  if (existsSync(sharedLists)) {
    const documents: WarninglistDocument[] = [];
    for (const name of (await readdir(sharedLists)).sort()) {
      const file = join(sharedLists, name, "list.json");
      if (existsSync(file)) documents.push({ id: name, json: JSON.parse(await readFile(file, "utf8")) });
    }
    return { documents, origin: `${documents.length} lists from ${sharedLists}` };
  }
  const dir = new URL("../fixtures/warninglists/", import.meta.url);
  const names = (await readdir(dir)).filter((name) => name.endsWith(".json"));
  const documents = await Promise.all(
    names.map(async (name) => ({
      id: name.replace(/\.json$/, ""),
      json: JSON.parse(await readFile(new URL(name, dir), "utf8")) as unknown,
    })),
  );
  return { documents, origin: `${documents.length} fixture lists (shared fixtures absent)` };
}
