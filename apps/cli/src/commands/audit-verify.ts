import { apiSettingsFromEnv, openApiClient } from "../api-client.ts";
import { CliError, type Command, write } from "../command.ts";

interface Verification {
  ok: boolean;
  entries: number;
  headHash?: string;
  brokenAtSeq?: number | null;
  reason?: string;
}

export const auditVerifyCommand: Command = {
  name: "audit verify",
  summary: "prove a tenant's audit hash chain through the API (exit 1 when broken)",
  usage:
    "tf audit verify [tenant-id]   (default: the tenant of the credentials)\n  env: TF_API_URL, TF_API_TOKEN (admin scope) or TF_EMAIL + TF_PASSWORD",
  async run(args, io) {
    if (args.length > 1) throw new CliError(`usage: ${this.usage}`, 2);
    const client = await openApiClient(apiSettingsFromEnv());
    try {
      const tenantId =
        args[0] ??
        (await client.request<{ tenant: { tenantId: string } }>("GET", "/api/v1/auth/me")).tenant.tenantId;
      const verdict = await client.request<Verification>(
        "GET",
        `/api/v1/tenants/${encodeURIComponent(tenantId)}/audit/verification`,
      );
      if (verdict.ok) {
        await write(io.stdout, `ok: ${verdict.entries} entries, chain intact, head ${verdict.headHash}\n`);
        return 0;
      }
      await write(
        io.stdout,
        `BROKEN: ${verdict.reason} at entry ${verdict.brokenAtSeq ?? "?"} of ${verdict.entries}\n`,
      );
      return 1;
    } finally {
      await client.close();
    }
  },
};
