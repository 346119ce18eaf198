import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { containingNetworks, entryKeys, networkOf, probeKeys, StoredNetworks } from "./keys.ts";

describe("candidate keys", () => {
  it("lists the network of an address at every prefix length, as stored entries are written", () => {
    const networks = containingNetworks(["52.95.110.7/32"]);
    expect(networks).toHaveLength(33);
    expect(networks).toContain("52.95.110.7/32");
    expect(networks).toContain("52.95.0.0/16");
    expect(networks).toContain("0.0.0.0/0");
    for (const network of networks) expect(networkOf(network)).toBe(network);
  });

  it("covers IPv6 and ranges up to their own length", () => {
    const v6 = containingNetworks(["2600:1f14::1/128"]);
    expect(v6).toHaveLength(129);
    expect(v6).toContain("2600:1f14::/32");
    const range = containingNetworks(["10.1.0.0/16"]);
    expect(range).toHaveLength(17);
    expect(range).not.toContain("10.1.0.0/24");
  });

  it("agrees with ipaddr.js on random addresses", () => {
    for (let i = 0; i < 200; i++) {
      const address = [0, 0, 0, 0].map(() => Math.floor(Math.random() * 256)).join(".");
      const length = Math.floor(Math.random() * 33);
      const expected = `${ipaddr.IPv4.networkAddressFromCIDR(`${address}/${length}`).toString()}/${length}`;
      expect(containingNetworks([`${address}/32`])).toContain(expected);
    }
  });

  it("probes a host under itself and each parent, and a URL's IP host as an address", () => {
    const keys = probeKeys([
      { type: "url", value: "https://www.github.com/x" },
      { type: "url", value: "http://52.95.110.7:8080/a" },
      { type: "email", value: "alice@mail.corp.example" },
    ]);
    expect(keys.matchKeys).toEqual(
      expect.arrayContaining(["www.github.com", "github.com", "com", "corp.example"]),
    );
    expect(keys.nets).toEqual(["52.95.110.7/32"]);
    expect(entryKeys("hostname", "*.GitHub.com.")).toEqual({ matchKey: "github.com", net: null });
    expect(entryKeys("cidr", "52.95.110.7/16")).toEqual({ matchKey: null, net: "52.95.0.0/16" });
  });
});

describe("stored networks", () => {
  it("narrows an address's containing networks to exactly those some entry is stored under", () => {
    const stored = [
      "52.95.0.0/16",
      "52.95.110.0/24",
      "10.0.0.0/8",
      "0.0.0.0/0",
      "2600:1f14::/32",
      "2600:1f14:0:1::/64",
    ];
    const networks = new StoredNetworks(stored);
    const addresses = ["52.95.110.7/32", "52.95.7.1/32", "11.1.1.1/32", "2600:1f14::1/128", "10.1.0.0/16"];
    for (const address of addresses) {
      const expected = containingNetworks([address]).filter((network) => stored.includes(network));
      expect(networks.containing([address]).sort()).toEqual(expected.sort());
    }
    expect(networks.containing(["52.95.110.7/32"]).sort()).toEqual([
      "0.0.0.0/0",
      "52.95.0.0/16",
      "52.95.110.0/24",
    ]);
    expect(networks.containing(["2600:1f14::1/128"]).sort()).toEqual(["2600:1f14::/32"]);
    expect(new StoredNetworks([]).containing(["52.95.110.7/32", "2600:1f14::1/128"])).toEqual([]);
  });

  it("agrees with filtering every containing network, on random addresses and ranges", () => {
    const stored = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const address = [0, 0, 0, 0].map(() => Math.floor(Math.random() * 4)).join(".");
      stored.add(networkOf(`${address}/${Math.floor(Math.random() * 33)}`) ?? "");
    }
    const networks = new StoredNetworks([...stored]);
    for (let i = 0; i < 300; i++) {
      const address = [0, 0, 0, 0].map(() => Math.floor(Math.random() * 4)).join(".");
      const net = networkOf(`${address}/${24 + Math.floor(Math.random() * 9)}`) ?? "";
      const expected = containingNetworks([net]).filter((network) => stored.has(network));
      expect(networks.containing([net]).sort()).toEqual(expected.sort());
    }
  });
});
