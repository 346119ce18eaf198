import { newId } from "@threatfusion/core";
import type { Database } from "@threatfusion/db";
import { sql } from "drizzle-orm";

export interface DeadLetter {
  messageId: string;
  queue: string;
  attempts: number;
  body: unknown;
}

function field(body: unknown, name: string): string | null {
  if (typeof body !== "object" || body === null || !(name in body)) return null;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === "string" ? value.slice(0, 200) : null;
}

/**
 * Stores messages that kept failing (the dead-letter queue's consumer calls it), once per message id, for
 * admins to list. Chunk bodies keep their indicators, so a later replay loses nothing.
 */
export async function storeDeadLetters(db: Database, letters: readonly DeadLetter[]): Promise<number> {
  if (letters.length === 0) return 0;
  const { rows } = await db.execute<{ id: string }>(sql`
    insert into ingest_dead_letters (id, message_id, queue, kind, feed_id, run_id, attempts, body)
    select * from unnest(
      ${sql.param(letters.map(() => newId("deadLetter")))}::text[],
      ${sql.param(letters.map((letter) => letter.messageId))}::text[],
      ${sql.param(letters.map((letter) => letter.queue))}::text[],
      ${sql.param(letters.map((letter) => field(letter.body, "kind")))}::text[],
      ${sql.param(letters.map((letter) => field(letter.body, "feedId")))}::text[],
      ${sql.param(letters.map((letter) => field(letter.body, "runId")))}::text[],
      ${sql.param(letters.map((letter) => letter.attempts))}::int[],
      ${sql.param(letters.map((letter) => JSON.stringify(letter.body ?? null)))}::jsonb[])
    on conflict (message_id) do nothing
    returning id`);
  return rows.length;
}
