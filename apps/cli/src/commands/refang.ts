import { refang } from "@threatfusion/ioc";
import type { Command } from "../command.ts";
import { filterText } from "./filter.ts";

export const refangCommand: Command = {
  name: "refang",
  summary: "undo defanging (hxxp, [.], (at) ...) in text from stdin to stdout",
  usage: "tf refang < defanged.txt",
  run: (args, io) => filterText("refang", args, io, refang),
};
