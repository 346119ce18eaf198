import { CliError, type CommandIo, parseArgs, write } from "../command.ts";
import { readTextWindows } from "../input.ts";

/** Shared body of the stdin-to-stdout filters: window by window, so memory stays bounded. */
export async function filterText(
  name: string,
  args: readonly string[],
  io: CommandIo,
  transform: (text: string) => string,
): Promise<number> {
  const { positional } = parseArgs(args, []);
  if (positional.length > 0) throw new CliError(`${name} reads stdin only: tf ${name} < FILE`, 2);
  for await (const window of readTextWindows("-", io.stdin)) await write(io.stdout, transform(window));
  return 0;
}
