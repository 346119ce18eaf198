import { IndicatorCollector, indicatorTypes } from "@threatfusion/ioc";
import { CliError, type Command, parseArgs, write } from "../command.ts";
import { readTextWindows } from "../input.ts";

export const extractCommand: Command = {
  name: "extract",
  summary: "find indicators (IPs, domains, URLs, emails, hashes, CVEs, ASNs) in a text file or stdin",
  usage: "tf extract [FILE|-] [--json]",
  async run(args, io) {
    const { positional, flags } = parseArgs(args, ["--json"]);
    if (positional.length > 1) throw new CliError("give at most one FILE (or - for stdin)", 2);
    const source = positional[0] ?? "-";
    const collector = new IndicatorCollector();
    for await (const window of readTextWindows(source, io.stdin)) collector.add(window);
    const grouped = collector.grouped(indicatorTypes);
    if (flags.has("--json")) {
      await write(io.stdout, `${JSON.stringify(grouped)}\n`);
      return 0;
    }
    const rows = Object.entries(grouped).flatMap(([type, values]) =>
      (values ?? []).map((value) => [type, value] as const),
    );
    if (rows.length === 0) {
      await write(io.stdout, "no indicators found\n");
      return 0;
    }
    const lines = ["TYPE    VALUE", ...rows.map(([type, value]) => `${type.padEnd(7)} ${value}`)];
    const counts = Object.entries(grouped).map(([type, values]) => `${type} ${values?.length ?? 0}`);
    lines.push("", `${rows.length} indicators (${counts.join(", ")})`);
    await write(io.stdout, `${lines.join("\n")}\n`);
    return 0;
  },
};
