#!/usr/bin/env node
/**
 * `tf`, the ThreatFusion command line: `pnpm tf <command> [args]`. Commands live in commands/, one file
 * each, listed in commands/index.ts. Exit codes: 0 ok, 1 failure, 2 usage error.
 */
import { isAppError } from "@threatfusion/core";
import { CliError, type Command, type CommandIo } from "./command.ts";
import { commands } from "./commands/index.ts";

function helpText(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const lines = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `usage: tf <command> [arguments]\n\ncommands:\n${lines.join("\n")}\n\nRun 'tf <command> --help' for a command's usage.\n`;
}

/** Longest command name that prefixes the arguments, so multi-word commands (`audit verify`) work. */
function findCommand(args: readonly string[]): { command: Command; rest: readonly string[] } | null {
  let best: { command: Command; rest: readonly string[] } | null = null;
  for (const command of commands) {
    const words = command.name.split(" ");
    if (
      words.every((word, index) => args[index] === word) &&
      (best === null || words.length > best.command.name.split(" ").length)
    ) {
      best = { command, rest: args.slice(words.length) };
    }
  }
  return best;
}

export async function main(args: readonly string[], io: CommandIo): Promise<number> {
  const first = args[0];
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    io.stdout.write(helpText());
    return first === undefined ? 2 : 0;
  }
  const found = findCommand(args);
  if (found === null) {
    io.stderr.write(`tf: unknown command '${first}'. Run 'tf --help' for the list.\n`);
    return 2;
  }
  const { command, rest } = found;
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout.write(`usage: ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr.write(`tf ${command.name}: ${error.message}\n`);
      return error.exitCode;
    }
    if (isAppError(error)) {
      io.stderr.write(`tf ${command.name}: ${error.message}\n`);
      return 1;
    }
    io.stderr.write(
      `tf ${command.name}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}

if (import.meta.main) {
  // A closed pipe (`tf refang < big.txt | head`) is not an error worth a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  const code = await main(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
  });
  process.exitCode = code;
}
