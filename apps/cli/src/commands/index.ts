import type { Command } from "../command.ts";
import { auditVerifyCommand } from "./audit-verify.ts";
import { defangCommand } from "./defang.ts";
import { extractCommand } from "./extract.ts";
import { importCommand } from "./import.ts";
import { invitationsCreateCommand } from "./invitations-create.ts";
import { refangCommand } from "./refang.ts";
import { tenantsCreateCommand } from "./tenants-create.ts";
import { tokensCreateCommand } from "./tokens-create.ts";

/** Every `tf` command. To add one: write commands/<name>.ts exporting a Command and list it here. */
export const commands: readonly Command[] = [
  extractCommand,
  refangCommand,
  defangCommand,
  tenantsCreateCommand,
  invitationsCreateCommand,
  tokensCreateCommand,
  auditVerifyCommand,
  importCommand,
];
