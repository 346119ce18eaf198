import { defangText } from "@threatfusion/ioc";
import type { Command } from "../command.ts";
import { filterText } from "./filter.ts";

export const defangCommand: Command = {
  name: "defang",
  summary: "defang every indicator in text from stdin to stdout, for safe sharing",
  usage: "tf defang < report.txt",
  run: (args, io) => filterText("defang", args, io, defangText),
};
