import { apiSettingsFromEnv, openApiClient, parseOptions } from "../api-client.ts";
import { CliError, type Command, write } from "../command.ts";

export const tokensCreateCommand: Command = {
  name: "tokens create",
  summary: "create a scoped API token in your tenant (printed once)",
  usage:
    "tf tokens create <name> --scope <scope> [--scope …] [--expires-in-days N] [--allow-ip CIDR …]\n" +
    "  scopes: indicators:read indicators:write sightings:write exports:read admin\n" +
    "  env: TF_API_URL, TF_EMAIL + TF_PASSWORD (tokens cannot mint tokens); TF_TENANT to act in a client",
  async run(args, io) {
    const { positional, options } = parseOptions(args, ["scope", "expires-in-days", "allow-ip"]);
    const [name] = positional;
    const scopes = options.get("scope") ?? [];
    if (!name || positional.length > 1 || scopes.length === 0) throw new CliError(`usage: ${this.usage}`, 2);
    const days = Number(options.get("expires-in-days")?.[0] ?? "90");
    if (!Number.isFinite(days) || days <= 0 || days > 365)
      throw new CliError("--expires-in-days must be 1 to 365", 2);
    const client = await openApiClient(apiSettingsFromEnv());
    try {
      const created = await client.request<{ id: string; token: string; expiresAt: string | null }>(
        "POST",
        "/api/v1/tokens",
        {
          name,
          scopes,
          expiresAt: new Date(Date.now() + days * 86_400_000).toISOString(),
          ...(options.get("allow-ip") ? { ipAllowlist: options.get("allow-ip") } : {}),
        },
      );
      await write(
        io.stderr,
        `created ${created.id}, expires ${created.expiresAt ?? "never"}; the token is shown once:\n`,
      );
      await write(io.stdout, `${created.token}\n`);
      return 0;
    } finally {
      await client.close();
    }
  },
};
