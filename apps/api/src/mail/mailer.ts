import { AppError, type Config, type Logger } from "@threatfusion/core";
import type { Mailer, MailMessage } from "@threatfusion/services";

/**
 * Sends through an HTTP e-mail API: `POST MAIL_API_URL` with `Authorization: Bearer MAIL_API_KEY` and a JSON
 * body `{ from, to: [address], subject, text }` (the shape Resend, Postmark's and most relays' "send" calls
 * accept). A non-2xx answer is UPSTREAM_FAILED.
 */
export function httpMailer(options: {
  url: string;
  apiKey?: string | undefined;
  from: string;
  fetch?: typeof fetch;
}): Mailer {
  const send = options.fetch ?? fetch;
  return {
    kind: "http",
    async send(message: MailMessage): Promise<void> {
      const response = await send(options.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        },
        body: JSON.stringify({
          from: options.from,
          to: [message.to],
          subject: message.subject,
          text: message.text,
        }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) {
        throw new AppError("UPSTREAM_FAILED", `The e-mail service answered HTTP ${response.status}`);
      }
    },
  };
}

/** Development: the message (with its link) goes to the log; the admin API also returns the link in dev. */
export function logMailer(logger: Logger): Mailer {
  return {
    kind: "log",
    async send(message: MailMessage): Promise<void> {
      logger.info("mail (dev: not sent)", { to: message.to, subject: message.subject, text: message.text });
    },
  };
}

/** The configured mailer: HTTP when `MAIL_API_URL` is set, otherwise the log. */
export function createMailer(config: Config, logger: Logger): Mailer {
  if (config.MAIL_API_URL) {
    return httpMailer({ url: config.MAIL_API_URL, apiKey: config.MAIL_API_KEY, from: config.MAIL_FROM });
  }
  return logMailer(logger);
}
