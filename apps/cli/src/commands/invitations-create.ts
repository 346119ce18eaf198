import { apiSettingsFromEnv, openApiClient } from "../api-client.ts";
import { CliError, type Command, write } from "../command.ts";

export const invitationsCreateCommand: Command = {
  name: "invitations create",
  summary: "invite someone into a tenant with a role (prints the link in development)",
  usage: "tf invitations create <tenant-id> <email> <role>\n  env: TF_API_URL, TF_EMAIL + TF_PASSWORD",
  async run(args, io) {
    const [tenantId, email, role, ...rest] = args;
    if (!tenantId || !email || !role || rest.length > 0) throw new CliError(`usage: ${this.usage}`, 2);
    const client = await openApiClient(apiSettingsFromEnv());
    try {
      const invitation = await client.request<{ id: string; expiresAt: string; link: string | null }>(
        "POST",
        `/api/v1/tenants/${encodeURIComponent(tenantId)}/invitations`,
        { email, role },
      );
      await write(
        io.stdout,
        `${invitation.id}\texpires ${invitation.expiresAt}\n${invitation.link ? `link: ${invitation.link}\n` : "sent by e-mail\n"}`,
      );
      return 0;
    } finally {
      await client.close();
    }
  },
};
