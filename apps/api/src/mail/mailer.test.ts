import { createLogger } from "@threatfusion/core";
import { describe, expect, it } from "vitest";
import { httpMailer } from "./mailer.ts";

/**
 * A FAKE e-mail API (stands in for Resend/Postmark-style relays, which cannot be reached here): records each
 * request and answers like the real service would.
 */
function fakeMailApi(status = 202) {
  const received: { url: string; headers: Headers; body: unknown }[] = [];
  const fetchFake: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    received.push({ url: request.url, headers: request.headers, body: await request.json() });
    return new Response(JSON.stringify({ id: "msg_1" }), { status });
  };
  return { received, fetch: fetchFake };
}

describe("the HTTP mail adapter", () => {
  it("posts one message as JSON with the API key to the configured endpoint", async () => {
    const api = fakeMailApi();
    const mailer = httpMailer({
      url: "https://mail.fake.test/emails",
      apiKey: "k_123",
      from: "TF <no-reply@tf.test>",
      fetch: api.fetch,
    });
    await mailer.send({ to: "carol@contoso.example", subject: "Invitation", text: "link" });
    expect(api.received).toHaveLength(1);
    expect(api.received[0]?.url).toBe("https://mail.fake.test/emails");
    expect(api.received[0]?.headers.get("authorization")).toBe("Bearer k_123");
    expect(api.received[0]?.body).toEqual({
      from: "TF <no-reply@tf.test>",
      to: ["carol@contoso.example"],
      subject: "Invitation",
      text: "link",
    });
    expect(mailer.kind).toBe("http");
  });

  it("turns a refusal of the mail service into UPSTREAM_FAILED", async () => {
    const api = fakeMailApi(422);
    const mailer = httpMailer({ url: "https://mail.fake.test/emails", from: "x@tf.test", fetch: api.fetch });
    await expect(mailer.send({ to: "a@b.example", subject: "s", text: "t" })).rejects.toMatchObject({
      code: "UPSTREAM_FAILED",
    });
  });
});

describe("createMailer", () => {
  it("logs instead of sending when no mail API is configured", async () => {
    const { createMailer } = await import("./mailer.ts");
    const lines: string[] = [];
    const original = console.log;
    console.log = (line: string) => lines.push(line);
    try {
      const mailer = createMailer(
        { MAIL_API_URL: undefined, MAIL_API_KEY: undefined, MAIL_FROM: "x@tf.test" } as Parameters<
          typeof createMailer
        >[0],
        createLogger(),
      );
      await mailer.send({
        to: "a@b.example",
        subject: "Invite",
        text: "http://tf.test/invitations/accept#inv_x",
      });
      expect(mailer.kind).toBe("log");
    } finally {
      console.log = original;
    }
    expect(lines.join("\n")).toContain("invitations/accept#inv_x");
  });
});
