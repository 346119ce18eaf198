import type { Command } from "../command.ts";
import { defangCommand } from "./defang.ts";
import { extractCommand } from "./extract.ts";
import { refangCommand } from "./refang.ts";

/** Every `tf` command. To add one: write commands/<name>.ts exporting a Command and list it here. */
export const commands: readonly Command[] = [extractCommand, refangCommand, defangCommand];
