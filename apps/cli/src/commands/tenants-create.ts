import { apiSettingsFromEnv, openApiClient, parseOptions } from "../api-client.ts";
import { CliError, type Command, write } from "../command.ts";

export const tenantsCreateCommand: Command = {
  name: "tenants create",
  summary: "create a client tenant under your MSSP (signed in as an MSSP admin)",
  usage:
    "tf tenants create <name> <slug> [--product-name N] [--primary-color #RRGGBB] [--require-mfa yes|no]\n" +
    "  env: TF_API_URL, TF_EMAIL + TF_PASSWORD (tokens may not create tenants)",
  async run(args, io) {
    const { positional, options } = parseOptions(args, ["product-name", "primary-color", "require-mfa"]);
    const [name, slug] = positional;
    if (!name || !slug || positional.length > 2) throw new CliError(`usage: ${this.usage}`, 2);
    const productName = options.get("product-name")?.[0];
    const primary = options.get("primary-color")?.[0];
    const requireMfa = options.get("require-mfa")?.[0];
    const client = await openApiClient(apiSettingsFromEnv());
    try {
      const tenant = await client.request<{ id: string; slug: string; name: string }>(
        "POST",
        "/api/v1/tenants",
        {
          name,
          slug,
          ...(productName || primary
            ? {
                branding: {
                  ...(productName ? { productName } : {}),
                  ...(primary ? { colors: { primary } } : {}),
                },
              }
            : {}),
          ...(requireMfa ? { requireMfa: requireMfa === "yes" } : {}),
        },
      );
      await write(io.stdout, `${tenant.id}\t${tenant.slug}\t${tenant.name}\n`);
      return 0;
    } finally {
      await client.close();
    }
  },
};
