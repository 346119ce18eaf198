import { indicatorTypes } from "@threatfusion/ioc";
import {
  type AnyPgColumn,
  bigint,
  boolean,
  cidr,
  customType,
  inet,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  smallint,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";

/**
 * The drizzle view of the schema that `migrations/*.sql` builds. The SQL is the source of truth (policies,
 * roles, triggers and indexes live only there); `schema.test.ts` compares these columns with the database
 * so the two cannot drift apart unnoticed.
 */

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true }).notNull().defaultNow();
const at = (name: string) => timestamp(name, { withTimezone: true });

export const tlpLevels = ["clear", "green", "amber", "amber+strict", "red"] as const;
/**
 * The types the catalog admits (`indicators_type_known`, migration 0060): the IOC engine's `indicatorTypes`
 * (a services test keeps the database's check equal to it). The list without a type filter reads one index
 * walk per type.
 */
export const catalogIndicatorTypes = indicatorTypes;
export type Tlp = (typeof tlpLevels)[number];
export const tenantKinds = ["platform", "mssp", "client"] as const;
export type TenantKind = (typeof tenantKinds)[number];
/** The permission table's roles (packages/core permissions.ts); migration 0010 checks the same list. */
export const membershipRoles = [
  "platform_admin",
  "mssp_admin",
  "mssp_analyst",
  "tenant_admin",
  "analyst",
  "viewer",
] as const;
export type MembershipRole = (typeof membershipRoles)[number];
export const indicatorStatuses = [
  "new",
  "investigating",
  "confirmed",
  "false_positive",
  "allowlisted",
  "expired",
] as const;
export type IndicatorStatus = (typeof indicatorStatuses)[number];
export const feedRunStatuses = ["running", "succeeded", "partial", "failed"] as const;
export type FeedRunStatus = (typeof feedRunStatuses)[number];

export const tenants = pgTable("tenants", {
  id: text("id").primaryKey(),
  parentId: text("parent_id").references((): AnyPgColumn => tenants.id),
  kind: text("kind").$type<TenantKind>().notNull(),
  name: text("name").notNull(),
  slug: text("slug").notNull(),
  settings: jsonb("settings").$type<Record<string, unknown>>().notNull().default({}),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  archivedAt: at("archived_at"),
  suspendedAt: at("suspended_at"),
  customDomain: text("custom_domain"),
});

export const users = pgTable("users", {
  id: text("id").primaryKey(),
  email: text("email").notNull(),
  displayName: text("display_name"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  disabledAt: at("disabled_at"),
});

export const memberships = pgTable("memberships", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id")
    .notNull()
    .references(() => tenants.id),
  userId: text("user_id")
    .notNull()
    .references(() => users.id),
  role: text("role").$type<MembershipRole>().notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const sessions = pgTable("sessions", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id")
    .notNull()
    .references(() => tenants.id),
  userId: text("user_id")
    .notNull()
    .references(() => users.id),
  tokenHash: text("token_hash").notNull(),
  createdAt: createdAt(),
  lastSeenAt: at("last_seen_at").notNull().defaultNow(),
  expiresAt: at("expires_at").notNull(),
  revokedAt: at("revoked_at"),
  ip: inet("ip"),
  userAgent: text("user_agent"),
  mfaVerifiedAt: at("mfa_verified_at"),
  /** An MSSP session's audited switch into one of its clients (migration 0050); null = home tenant. */
  actingTenantId: text("acting_tenant_id").references(() => tenants.id),
});

export const apiTokens = pgTable("api_tokens", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id")
    .notNull()
    .references(() => tenants.id),
  userId: text("user_id").references(() => users.id),
  name: text("name").notNull(),
  tokenPrefix: text("token_prefix").notNull(),
  tokenHash: text("token_hash").notNull(),
  scopes: text("scopes").array().notNull().default([]),
  createdAt: createdAt(),
  expiresAt: at("expires_at"),
  lastUsedAt: at("last_used_at"),
  revokedAt: at("revoked_at"),
  ipAllowlist: text("ip_allowlist").array().notNull().default([]),
  lastUsedIp: inet("last_used_ip"),
});

/** Password hash, sealed TOTP secret and recovery-code hashes of a user (migration 0010). */
export const userCredentials = pgTable("user_credentials", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id),
  passwordHash: text("password_hash"),
  passwordUpdatedAt: at("password_updated_at"),
  totpSecretSealed: text("totp_secret_sealed"),
  totpEnabledAt: at("totp_enabled_at"),
  totpLastStep: bigint("totp_last_step", { mode: "number" }),
  recoveryCodeHashes: text("recovery_code_hashes").array().notNull().default([]),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Failed sign-in attempts per account or client address (packages/auth login-throttle). */
export const loginAttempts = pgTable("login_attempts", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull().default(0),
  lastFailureAt: at("last_failure_at"),
  lockedUntil: at("locked_until"),
});

export const invitations = pgTable("invitations", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id")
    .notNull()
    .references(() => tenants.id),
  email: text("email").notNull(),
  role: text("role").$type<MembershipRole>().notNull(),
  secretHash: text("secret_hash").notNull(),
  invitedByUserId: text("invited_by_user_id").references(() => users.id),
  createdAt: createdAt(),
  expiresAt: at("expires_at").notNull(),
  acceptedAt: at("accepted_at"),
  acceptedUserId: text("accepted_user_id").references(() => users.id),
  revokedAt: at("revoked_at"),
});

export const sources = pgTable("sources", {
  id: text("id").primaryKey(),
  /** null: the global catalog. */
  tenantId: text("tenant_id").references(() => tenants.id),
  name: text("name").notNull(),
  kind: text("kind").notNull().default("osint"),
  homepage: text("homepage"),
  licence: text("licence"),
  reliability: text("reliability").notNull().default("F"),
  defaultTlp: text("default_tlp").$type<Tlp>().notNull().default("clear"),
  description: text("description"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  /** The provider key of a built-in source (catalog sync); null otherwise. */
  catalogId: text("catalog_id"),
});

export const feeds = pgTable("feeds", {
  id: text("id").primaryKey(),
  /** null: a global feed. */
  tenantId: text("tenant_id").references(() => tenants.id),
  sourceId: text("source_id")
    .notNull()
    .references(() => sources.id),
  name: text("name").notNull(),
  url: text("url"),
  format: text("format").notNull(),
  cadenceSeconds: integer("cadence_seconds"),
  enabled: boolean("enabled").notNull().default(true),
  config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  lastRunAt: at("last_run_at"),
  /** The id of a built-in definition in `@threatfusion/feeds` (catalog sync); null for custom feeds. */
  catalogId: text("catalog_id"),
});

export const feedSubscriptions = pgTable("feed_subscriptions", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id")
    .notNull()
    .references(() => tenants.id),
  feedId: text("feed_id")
    .notNull()
    .references(() => feeds.id),
  enabled: boolean("enabled").notNull().default(true),
  minConfidence: smallint("min_confidence"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const feedRuns = pgTable("feed_runs", {
  id: text("id").primaryKey(),
  feedId: text("feed_id")
    .notNull()
    .references(() => feeds.id),
  tenantId: text("tenant_id").references(() => tenants.id),
  status: text("status").$type<FeedRunStatus>().notNull().default("running"),
  startedAt: at("started_at").notNull().defaultNow(),
  finishedAt: at("finished_at"),
  httpStatus: integer("http_status"),
  bytesFetched: bigint("bytes_fetched", { mode: "number" }).notNull().default(0),
  rowsParsed: integer("rows_parsed").notNull().default(0),
  rowsRejected: integer("rows_rejected").notNull().default(0),
  indicatorsNew: integer("indicators_new").notNull().default(0),
  indicatorsChanged: integer("indicators_changed").notNull().default(0),
  indicatorsUnchanged: integer("indicators_unchanged").notNull().default(0),
  error: text("error"),
  trigger: text("trigger").$type<FeedRunTrigger>().notNull().default("schedule"),
  failureReason: text("failure_reason"),
  rowsSkipped: integer("rows_skipped").notNull().default(0),
  chunksExpected: integer("chunks_expected"),
  chunksDone: integer("chunks_done").notNull().default(0),
  etag: text("etag"),
  lastModified: text("last_modified"),
  cursor: text("cursor"),
});

export const feedRunTriggers = ["schedule", "manual", "import"] as const;
export type FeedRunTrigger = (typeof feedRunTriggers)[number];

/** Collector state per feed (migration 0020): due time, conditional-GET validators, backoff, claim. */
export const feedCollectorState = pgTable("feed_collector_state", {
  feedId: text("feed_id")
    .primaryKey()
    .references(() => feeds.id),
  nextFetchAt: at("next_fetch_at").notNull().defaultNow(),
  consecutiveFailures: integer("consecutive_failures").notNull().default(0),
  etag: text("etag"),
  lastModified: text("last_modified"),
  cursor: text("cursor"),
  lastStatus: text("last_status"),
  lastError: text("last_error"),
  lastSuccessAt: at("last_success_at"),
  claimedRunId: text("claimed_run_id"),
  claimedUntil: at("claimed_until"),
  updatedAt: updatedAt(),
  /** The last request to the source: its minimum interval counts from here (migration 0021). */
  lastFetchAt: at("last_fetch_at"),
});

/** Request budgets shared by all feeds of one provider, and a 429's block (migration 0021). */
export const feedProviderBudgets = pgTable("feed_provider_budgets", {
  provider: text("provider").primaryKey(),
  windowStartedAt: at("window_started_at").notNull(),
  requests: integer("requests").notNull().default(0),
  blockedUntil: at("blocked_until"),
  updatedAt: updatedAt(),
});

/** A queued manual import: its stored upload and parsing progress (migration 0025). */
export const importJobs = pgTable("import_jobs", {
  runId: text("run_id")
    .primaryKey()
    .references(() => feedRuns.id),
  tenantId: text("tenant_id")
    .notNull()
    .references(() => tenants.id),
  feedId: text("feed_id")
    .notNull()
    .references(() => feeds.id),
  requestedFormat: text("requested_format").notNull(),
  parsedFormat: text("parsed_format"),
  storage: text("storage").$type<"r2" | "postgres">().notNull(),
  objectKey: text("object_key"),
  bytesTotal: bigint("bytes_total", { mode: "number" }).notNull().default(0),
  uploadedAt: at("uploaded_at"),
  bytesParsed: bigint("bytes_parsed", { mode: "number" }).notNull().default(0),
  linesParsed: integer("lines_parsed").notNull().default(0),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

const bytea = customType<{ data: Uint8Array }>({ dataType: () => "bytea" });

/** An upload held in Postgres when no R2 bucket is bound, in 1 MB parts (migration 0025). */
export const importUploadParts = pgTable(
  "import_upload_parts",
  {
    runId: text("run_id")
      .notNull()
      .references(() => importJobs.runId),
    part: integer("part").notNull(),
    tenantId: text("tenant_id").notNull(),
    data: bytea("data").notNull(),
  },
  (table) => [primaryKey({ columns: [table.runId, table.part] })],
);

/** The ingestion idempotency ledger: one row per applied `run_id:chunk`. */
export const ingestChunks = pgTable(
  "ingest_chunks",
  {
    runId: text("run_id")
      .notNull()
      .references(() => feedRuns.id),
    chunk: integer("chunk").notNull(),
    tenantId: text("tenant_id").references(() => tenants.id),
    indicators: integer("indicators").notNull().default(0),
    indicatorsNew: integer("indicators_new").notNull().default(0),
    indicatorsChanged: integer("indicators_changed").notNull().default(0),
    indicatorsUnchanged: integer("indicators_unchanged").notNull().default(0),
    rowsRejected: integer("rows_rejected").notNull().default(0),
    touchedIds: text("touched_ids").array().notNull().default([]),
    handedOff: boolean("handed_off").notNull().default(false),
    appliedAt: at("applied_at").notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.runId, table.chunk] })],
);

/** Rejected rows of a feed run, with line number and reason. */
export const feedRunRejections = pgTable(
  "feed_run_rejections",
  {
    runId: text("run_id")
      .notNull()
      .references(() => feedRuns.id),
    chunk: integer("chunk").notNull(),
    ordinal: integer("ordinal").notNull(),
    tenantId: text("tenant_id").references(() => tenants.id),
    line: integer("line").notNull(),
    reason: text("reason").notNull(),
    raw: text("raw").notNull().default(""),
  },
  (table) => [primaryKey({ columns: [table.runId, table.chunk, table.ordinal] })],
);

/** Queue messages that kept failing (platform-wide; the platform tenant reads them). */
export const ingestDeadLetters = pgTable("ingest_dead_letters", {
  id: text("id").primaryKey(),
  messageId: text("message_id").notNull(),
  queue: text("queue").notNull(),
  kind: text("kind"),
  feedId: text("feed_id"),
  runId: text("run_id"),
  attempts: integer("attempts").notNull().default(0),
  body: jsonb("body").$type<unknown>().notNull(),
  createdAt: createdAt(),
});

/**
 * The global catalog. `id`, `type` and `value` (and every column holding a catalog id elsewhere) use the "C"
 * collation (migrations 0003, 0051), which drizzle does not model: byte comparisons keep the catalog's btrees
 * cheap to write.
 */
export const indicators = pgTable("indicators", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  value: text("value").notNull(),
  firstSeen: at("first_seen").notNull(),
  lastSeen: at("last_seen").notNull(),
  confidence: smallint("confidence"),
  baseScore: smallint("base_score").notNull().default(0),
  tlp: text("tlp").$type<Tlp>().notNull().default("clear"),
  tags: text("tags").array().notNull().default([]),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  // The global score materialized by the scoring stage (migration 0040).
  score: smallint("score").notNull().default(0),
  scoreConfidence: smallint("score_confidence"),
  scoreBase: real("score_base"),
  scoreDecayStart: at("score_decay_start"),
  scoreExpired: boolean("score_expired").notNull().default(false),
  scoreNextReactionAt: at("score_next_reaction_at"),
  scoredAt: at("scored_at"),
  suppressed: boolean("suppressed").notNull().default(false),
  suppressionReasons: jsonb("suppression_reasons").$type<unknown[]>().notNull().default([]),
  // The explanation, stored once per distinct text in `score_explanations` (migrations 0066, 0067); read it
  // through `catalogExplanation` (bulk.ts).
  scoreExplanationId: uuid("score_explanation_id"),
});

/** Explanations of catalog scores, stored once per distinct text (id: a hash of it; no unique key, see 0066). */
export const scoreExplanations = pgTable("score_explanations", {
  id: uuid("id").notNull(),
  explanation: jsonb("explanation").$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
});

export const observations = pgTable("observations", {
  id: text("id").primaryKey(),
  // No foreign keys since migrations 0056 (sources) and 0065 (indicators): the bulk path joins both in the
  // statement that writes the observation; statement triggers remove the observations of a deleted row.
  indicatorId: text("indicator_id").notNull(),
  sourceId: text("source_id").notNull(),
  firstSeen: at("first_seen").notNull(),
  lastSeen: at("last_seen").notNull(),
  reportCount: integer("report_count").notNull().default(1),
  malwareFamily: text("malware_family"),
  threatType: text("threat_type"),
  reference: text("reference"),
  context: jsonb("context").$type<Record<string, unknown>>().notNull().default({}),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const tenantIndicators = pgTable(
  "tenant_indicators",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    indicatorId: text("indicator_id")
      .notNull()
      .references(() => indicators.id),
    status: text("status").$type<IndicatorStatus>().notNull().default("new"),
    effectiveScore: smallint("effective_score"),
    notes: text("notes"),
    tags: text("tags").array().notNull().default([]),
    sightingsCount: integer("sightings_count").notNull().default(0),
    lastSightedAt: at("last_sighted_at"),
    updatedBy: text("updated_by").references(() => users.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    // The tenant's effective score and suppression, materialized by the scoring stage (migration 0040).
    effectiveExpired: boolean("effective_expired").notNull().default(false),
    effectiveNextReactionAt: at("effective_next_reaction_at"),
    scoreExplanation: jsonb("score_explanation").$type<Record<string, unknown>>(),
    scoredAt: at("scored_at"),
    suppressed: boolean("suppressed").notNull().default(false),
    suppressionReasons: jsonb("suppression_reasons").$type<unknown[]>().notNull().default([]),
    restoreStatus: text("restore_status"),
    verdictAt: at("verdict_at"),
  },
  (table) => [primaryKey({ columns: [table.tenantId, table.indicatorId] })],
);

export const privateIndicators = pgTable("private_indicators", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id")
    .notNull()
    .references(() => tenants.id),
  type: text("type").notNull(),
  value: text("value").notNull(),
  firstSeen: at("first_seen").notNull().defaultNow(),
  lastSeen: at("last_seen").notNull().defaultNow(),
  confidence: smallint("confidence"),
  score: smallint("score").notNull().default(0),
  tlp: text("tlp").$type<Tlp>().notNull().default("amber"),
  tags: text("tags").array().notNull().default([]),
  description: text("description"),
  context: jsonb("context").$type<Record<string, unknown>>().notNull().default({}),
  sharedWithAllClients: boolean("shared_with_all_clients").notNull().default(false),
  createdBy: text("created_by").references(() => users.id),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  /** Workflow status (migration 0030); `revoked` withdraws the indicator without deleting it. */
  status: text("status").$type<PrivateIndicatorStatus>().notNull().default("new"),
  notes: text("notes"),
  /** Suppression by warninglists, reserved ranges or the owner's allowlist (migration 0041). */
  suppressed: boolean("suppressed").notNull().default(false),
  suppressionReasons: jsonb("suppression_reasons").$type<unknown[]>().notNull().default([]),
  /** The status to restore when the suppression goes away. */
  restoreStatus: text("restore_status").$type<"new" | "investigating">(),
  scoredAt: at("scored_at"),
});

export const privateIndicatorStatuses = [...indicatorStatuses, "revoked"] as const;
export type PrivateIndicatorStatus = (typeof privateIndicatorStatuses)[number];

export const indicatorShares = pgTable("indicator_shares", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id")
    .notNull()
    .references(() => tenants.id),
  privateIndicatorId: text("private_indicator_id")
    .notNull()
    .references(() => privateIndicators.id),
  targetTenantId: text("target_tenant_id")
    .notNull()
    .references(() => tenants.id),
  createdBy: text("created_by").references(() => users.id),
  createdAt: createdAt(),
});

export const sightings = pgTable("sightings", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id")
    .notNull()
    .references(() => tenants.id),
  indicatorId: text("indicator_id").references(() => indicators.id),
  privateIndicatorId: text("private_indicator_id").references(() => privateIndicators.id),
  seenAt: at("seen_at").notNull(),
  sightingCount: integer("sighting_count").notNull().default(1),
  sensor: text("sensor"),
  asset: text("asset"),
  context: jsonb("context").$type<Record<string, unknown>>().notNull().default({}),
  createdBy: text("created_by").references(() => users.id),
  createdAt: createdAt(),
});

export const auditLog = pgTable("audit_log", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  actorUserId: text("actor_user_id"),
  actorTokenId: text("actor_token_id"),
  action: text("action").notNull(),
  targetKind: text("target_kind"),
  targetId: text("target_id"),
  requestId: text("request_id"),
  ip: inet("ip"),
  details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
  createdAt: createdAt(),
  seq: bigint("seq", { mode: "number" }).notNull(),
  previousHash: text("previous_hash").notNull(),
  hash: text("hash").notNull(),
});

/** Full-text document column (PostgreSQL `tsvector`); written by SQL only. */
const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

/** Named filters of the active-indicators query; some are also TAXII collections (migration 0030). */
export const savedSearches = pgTable("saved_searches", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id")
    .notNull()
    .references(() => tenants.id),
  name: text("name").notNull(),
  description: text("description"),
  filter: jsonb("filter").$type<Record<string, unknown>>().notNull().default({}),
  taxiiCollection: boolean("taxii_collection").notNull().default(false),
  createdBy: text("created_by").references(() => users.id),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** TAXII 2.1 Add Objects status resources (migration 0030). */
export const taxiiStatuses = pgTable("taxii_statuses", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id")
    .notNull()
    .references(() => tenants.id),
  collectionId: text("collection_id").notNull(),
  status: jsonb("status").$type<Record<string, unknown>>().notNull(),
  requestTimestamp: at("request_timestamp").notNull().defaultNow(),
  createdAt: createdAt(),
});

/**
 * Search documents of the global catalog, maintained by the search stage (migration 0030). No foreign key
 * to `indicators` since 0055 (a trigger removes the documents of deleted catalog rows).
 */
export const indicatorSearch = pgTable("indicator_search", {
  indicatorId: text("indicator_id").primaryKey(),
  type: text("type").notNull(),
  value: text("value").notNull(),
  terms: text("terms").notNull().default(""),
  document: tsvector("document").notNull(),
  updatedAt: updatedAt(),
});

/** An MSSP's (or the platform's) edit of the scoring model defaults (migration 0040). */
export const scoringModels = pgTable("scoring_models", {
  tenantId: text("tenant_id")
    .primaryKey()
    .references(() => tenants.id),
  scope: text("scope").$type<"global" | "clients">().notNull(),
  settings: jsonb("settings").$type<Record<string, unknown>>().notNull().default({}),
  version: integer("version").notNull().default(1),
  updatedBy: text("updated_by").references(() => users.id),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** MISP warninglists imported as a feed (migration 0040). */
export const warninglists = pgTable("warninglists", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description"),
  version: bigint("version", { mode: "number" }).notNull(),
  listType: text("list_type").notNull(),
  category: text("category"),
  matchingAttributes: text("matching_attributes").array().notNull().default([]),
  effect: text("effect").$type<"suppress" | "flag">().notNull(),
  enabled: boolean("enabled").notNull().default(true),
  entryCount: integer("entry_count").notNull().default(0),
  sourceUrl: text("source_url"),
  checksum: text("checksum").notNull(),
  importedAt: at("imported_at").notNull().defaultNow(),
  updatedAt: updatedAt(),
});

/** One entry of a warninglist, keyed for candidate lookup (migration 0040). */
export const warninglistEntries = pgTable(
  "warninglist_entries",
  {
    listId: text("list_id")
      .notNull()
      .references(() => warninglists.id),
    entry: text("entry").notNull(),
    matchKey: text("match_key"),
    net: cidr("net"),
  },
  (table) => [primaryKey({ columns: [table.listId, table.entry] })],
);

/** A tenant's allowlist entry: its own domains, ranges, brands (migration 0040). */
export const allowlistEntries = pgTable("allowlist_entries", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id")
    .notNull()
    .references(() => tenants.id),
  value: text("value").notNull(),
  entryType: text("entry_type").$type<"cidr" | "hostname" | "string" | "substring">().notNull(),
  appliesTo: text("applies_to").array(),
  note: text("note"),
  matchKey: text("match_key"),
  net: cidr("net"),
  createdBy: text("created_by").references(() => users.id),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Catalog indicators waiting for a global re-score (a tenant verdict changed the counts; migration 0040). */
export const scoreRequests = pgTable("score_requests", {
  indicatorId: text("indicator_id")
    .primaryKey()
    .references(() => indicators.id),
  requestedAt: at("requested_at").notNull().defaultNow(),
});

/** The one-row schedule of the warninglist refresh (migration 0042). */
export const warninglistRefresh = pgTable("warninglist_refresh", {
  singleton: boolean("singleton").primaryKey().default(true),
  intervalSeconds: integer("interval_seconds").notNull().default(86400),
  nextRefreshAt: at("next_refresh_at").notNull().defaultNow(),
  lastClaimedAt: at("last_claimed_at"),
  lastFinishedAt: at("last_finished_at"),
  lastResult: jsonb("last_result").$type<Record<string, unknown>>(),
});

/** A full re-score pass over the catalog, walked a page per scheduler tick (migration 0040). */
export const scoringSweeps = pgTable("scoring_sweeps", {
  id: text("id").primaryKey(),
  reason: text("reason").notNull(),
  cursor: text("cursor").notNull().default(""),
  examined: bigint("examined", { mode: "number" }).notNull().default(0),
  changed: bigint("changed", { mode: "number" }).notNull().default(0),
  startedAt: at("started_at").notNull().defaultNow(),
  finishedAt: at("finished_at"),
});
