import {
  collectFeedMessageSchema,
  feedChunkMessageSchema,
  importFileMessageSchema,
  refreshWarninglistsMessageSchema,
} from "@threatfusion/services";
import { z } from "zod";

/** Every message on the ingest queue; one schema so producers and the consumer cannot drift apart. */
export const queueMessageSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("heartbeat"), sentAt: z.iso.datetime() }),
  z.object({
    kind: z.literal("tenant-changes"),
    tenantId: z.string().min(1),
    batchKey: z.string().min(1),
    indicatorIds: z.array(z.string()).max(5_000),
  }),
  collectFeedMessageSchema,
  feedChunkMessageSchema,
  importFileMessageSchema,
  refreshWarninglistsMessageSchema,
]);

export type QueueMessage = z.infer<typeof queueMessageSchema>;
