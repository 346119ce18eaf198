import { AppError } from "@threatfusion/core";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app.ts";

/** Refuses bodies over `maxBytes` with the 413 envelope before anything reads them. */
export function bodyLimitOf(maxBytes: number): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError("PAYLOAD_TOO_LARGE", `The body is larger than ${maxBytes} bytes`);
    },
  });
}
