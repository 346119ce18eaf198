export * from "./aho-corasick.ts";
export * from "./prefix-trie.ts";
export * from "./safe-regex.ts";
export * from "./suppression-index.ts";
export * from "./warninglist.ts";
