/**
 * Every API call the portal makes, in one place: path, parameters and the reading of the answer. Pages
 * import these functions, never `fetch`.
 */
import { api, apiResponse, type Query } from "./client.ts";
import { isObject, type Json, num, numOrNull, pageOf, pick, str, strings, strOrNull } from "./normalize.ts";
import type {
  ActingTenantSwitch,
  ApiMe,
  ApiToken,
  AuditEntry,
  Branding,
  ClientTenant,
  CreatedToken,
  DashboardSummary,
  Feed,
  FeedRun,
  Indicator,
  IndicatorDetail,
  IndicatorSource,
  IndicatorStatus,
  Invitation,
  InvitationPreview,
  LookupMatch,
  Me,
  Page,
  Role,
  ScoreFactor,
  Sighting,
  SignInResult,
  TenantRef,
  ThemeChoice,
  TimelineEvent,
  Tlp,
  User,
} from "./types.ts";

const v1 = "/api/v1";

// ---------------------------------------------------------------- branding and session

export const defaultBranding: Branding = {
  tenantId: null,
  slug: null,
  productName: "ThreatFusion",
  logoUrl: null,
  faviconUrl: null,
  colors: { primary: "#2563eb" },
  theme: "system",
};

export function readBranding(raw: unknown): Branding {
  const root = isObject(raw) ? (isObject(raw.branding) ? { ...raw, ...raw.branding } : raw) : {};
  const colors = isObject(root.colors) ? root.colors : {};
  const theme = str(pick(root, "theme", "defaultTheme"), "system");
  return {
    tenantId: strOrNull(root.tenantId),
    slug: strOrNull(root.slug),
    productName: str(pick(root, "productName", "name"), defaultBranding.productName) || "ThreatFusion",
    logoUrl: strOrNull(root.logoUrl),
    faviconUrl: strOrNull(root.faviconUrl),
    colors: {
      primary: str(pick(colors, "primary", "brand") ?? root.primaryColor, defaultBranding.colors.primary),
      accent: strOrNull(pick(colors, "accent", "secondary") ?? root.accentColor) ?? undefined,
    },
    theme: theme === "light" || theme === "dark" ? (theme as ThemeChoice) : "system",
    customDomain: strOrNull(root.customDomain),
  };
}

/** Branding for the host the portal is served on (public; before sign-in). */
export async function getBranding(signal?: AbortSignal): Promise<Branding> {
  return readBranding(await api<unknown>("GET", `${v1}/branding`, { signal, quietUnauthorized: true }));
}

/**
 * `GET /api/v1/auth/me` (typed by the OpenAPI document): the actor, the person's name and e-mail, the home
 * tenant and, for MSSP staff switched into a client, the acting tenant (kept on the session server-side).
 */
export function readMe(raw: ApiMe): Me {
  const actor = raw.actor;
  const role: Role = actor.kind === "user" ? actor.role : "viewer";
  const home: TenantRef = raw.homeTenant ?? {
    id: actor.tenantId,
    name: "",
    kind: role === "platform_admin" ? "platform" : msspRoles.has(role) ? "mssp" : "client",
    slug: "",
  };
  return {
    user: raw.user ?? {
      id: actor.kind === "user" ? actor.userId : actor.tokenId,
      email: "",
      displayName: null,
    },
    tenant: home,
    role,
    mfaEnabled: raw.mfa === "satisfied",
    mfa: raw.mfa,
    actingTenant: raw.actingTenant,
  };
}

const msspRoles = new Set<Role>(["platform_admin", "mssp_admin", "mssp_analyst"]);

/**
 * Switches the session into one of the MSSP's clients (or back with `null`). The API keeps the choice on the
 * session and writes it to both audit logs; later requests need not (and do not) name the tenant.
 */
export async function switchActingTenant(tenantId: string | null): Promise<ActingTenantSwitch> {
  return api<ActingTenantSwitch>("POST", `${v1}/auth/acting-tenant`, { body: { tenantId } });
}

/** Every dashboard widget in one call, computed over the tenant's whole view. */
export async function getDashboardSummary(days = 30): Promise<DashboardSummary> {
  return api<DashboardSummary>("GET", `${v1}/dashboard/summary`, { query: { days } });
}

/** Who is signed in; `null` when nobody is (401). */
export async function getMe(): Promise<Me | null> {
  try {
    return readMe(await api<ApiMe>("GET", `${v1}/auth/me`, { quietUnauthorized: true }));
  } catch (error) {
    if (error instanceof Error && "status" in error && (error as { status: number }).status === 401)
      return null;
    throw error;
  }
}

/**
 * `POST /api/v1/auth/sign-in` answers `{ userId, tenantId, expiresAt, mfa }`: a session cookie is set, and
 * `mfa` says whether a TOTP code (challenge) or a TOTP set-up (enrolment) is still owed.
 */
export async function signIn(input: { email: string; password: string }): Promise<SignInResult> {
  const raw = await api<unknown>("POST", `${v1}/auth/sign-in`, { body: input, quietUnauthorized: true });
  const mfa = isObject(raw) ? str(raw.mfa) : "";
  if (mfa === "challenge_required") return { status: "mfa_required" };
  if (mfa === "enrolment_required") return { status: "enrolment_required" };
  return { status: "signed_in" };
}

/** Second step: a 6-digit TOTP code, or a recovery code. */
export async function verifySecondFactor(code: string): Promise<void> {
  const body = /^\d{6,8}$/.test(code) ? { code } : { recoveryCode: code };
  await api<unknown>("POST", `${v1}/auth/mfa/verify`, { body, quietUnauthorized: true });
}

/** Starts TOTP enrolment: the secret and its otpauth:// URI for an authenticator app. */
export async function startTotpEnrolment(): Promise<{ secret: string; uri: string }> {
  const raw = await api<unknown>("POST", `${v1}/auth/totp/enrolment`, { quietUnauthorized: true });
  const root = isObject(raw) ? raw : {};
  return { secret: str(root.secret), uri: str(root.uri) };
}

/** Confirms enrolment with a first code; answers the recovery codes (shown once). */
export async function confirmTotpEnrolment(code: string): Promise<string[]> {
  const raw = await api<unknown>("POST", `${v1}/auth/totp/confirmation`, {
    body: { code },
    quietUnauthorized: true,
  });
  return isObject(raw) ? strings(raw.recoveryCodes) : [];
}

export async function signOut(): Promise<void> {
  await api<unknown>("POST", `${v1}/auth/sign-out`, { quietUnauthorized: true });
}

// ---------------------------------------------------------------- indicators

export interface IndicatorFilters {
  q?: string;
  type?: string;
  source?: string;
  tag?: string;
  status?: string;
  scoreMin?: number | undefined;
  scoreMax?: number | undefined;
  firstSeenFrom?: string;
  firstSeenTo?: string;
  lastSeenFrom?: string;
  lastSeenTo?: string;
  tlp?: string;
  sort?: string;
}

/** The list/export query of the API (`type`, `status`, `source` = `src_…` ids, `scoreMin`, dates …). */
export function filtersToQuery(filters: IndicatorFilters): Query {
  const { q: _q, sort: _sort, ...rest } = filters;
  return { ...rest };
}

export function readIndicator(raw: Json): Indicator {
  const overlay = isObject(raw.overlay) ? raw.overlay : {};
  const sources = pick(raw, "sources", "sourceNames");
  return {
    id: str(raw.id),
    type: str(raw.type),
    value: str(raw.value),
    score: num(pick(raw, "score", "effectiveScore", "baseScore") ?? overlay.effectiveScore),
    confidence: numOrNull(raw.confidence),
    status: str(pick(raw, "status") ?? overlay.status, "new") as IndicatorStatus,
    tlp: str(raw.tlp, "clear") as Tlp,
    tags: [...new Set([...strings(raw.tags), ...strings(overlay.tags)])],
    firstSeen: str(pick(raw, "firstSeen", "first_seen")),
    lastSeen: str(pick(raw, "lastSeen", "last_seen")),
    sources: Array.isArray(sources)
      ? sources.map((s) => (isObject(s) ? str(pick(s, "name", "sourceName", "id")) : str(s))).filter(Boolean)
      : [],
    malwareFamily: strOrNull(pick(raw, "malwareFamily", "malware")),
    threatType: strOrNull(raw.threatType),
    private: raw.private === true || raw.origin === "private",
    globalScore: numOrNull(raw.globalScore),
    sightingsCount: num(raw.sightingsCount),
    lastSightedAt: strOrNull(raw.lastSightedAt),
  };
}

/**
 * One page of the tenant's indicators. With free text (`q`) it asks the search endpoint (relevance order,
 * type filter only); otherwise the list endpoint with every structured filter.
 */
export async function listIndicators(
  filters: IndicatorFilters,
  page: { cursor?: string | null; limit?: number },
  signal?: AbortSignal,
): Promise<Page<Indicator>> {
  if (filters.q) {
    const raw = await api<unknown>("GET", `${v1}/search`, {
      query: {
        q: filters.q,
        type: filters.type,
        cursor: page.cursor,
        limit: Math.min(200, page.limit ?? 200),
      },
      signal,
    });
    return pageOf(raw, (hit) => readIndicator(isObject(hit.indicator) ? hit.indicator : hit), "hits");
  }
  const raw = await api<unknown>("GET", `${v1}/indicators`, {
    query: { ...filtersToQuery(filters), cursor: page.cursor, limit: Math.min(1000, page.limit ?? 500) },
    signal,
  });
  return pageOf(raw, readIndicator, "indicators");
}

function readExplanation(raw: unknown): ScoreFactor[] {
  const list = Array.isArray(raw) ? raw : isObject(raw) ? pick(raw, "factors", "parts", "steps") : [];
  if (!Array.isArray(list)) return [];
  return list.filter(isObject).map((f) => ({
    label: str(pick(f, "label", "factor", "name", "reason")),
    contribution: num(pick(f, "contribution", "points", "delta", "value")),
    detail: strOrNull(pick(f, "detail", "description", "explanation")) ?? undefined,
  }));
}

/**
 * When the API sends no stored explanation, the facts it does send, as a person would weigh them: the
 * global score from the sources, and what the tenant's own overlay changed.
 */
export function fallbackExplanation(detail: Indicator & { sightingsCount: number }): ScoreFactor[] {
  const factors: ScoreFactor[] = [];
  const global = detail.globalScore ?? detail.score;
  factors.push({
    label: `Global score from ${detail.sources.length || "its"} source${detail.sources.length === 1 ? "" : "s"}`,
    contribution: global,
    detail: [
      detail.confidence !== null ? `confidence ${detail.confidence}` : null,
      detail.malwareFamily ? `malware ${detail.malwareFamily}` : null,
      detail.threatType ? `threat type ${detail.threatType}` : null,
    ]
      .filter(Boolean)
      .join(", "),
  });
  if (detail.score !== global) {
    factors.push({
      label: "Your organisation's feedback and sightings",
      contribution: detail.score - global,
      detail: `${detail.sightingsCount} sighting${detail.sightingsCount === 1 ? "" : "s"}, status ${detail.status.replace("_", " ")}`,
    });
  }
  return factors;
}

export function readIndicatorDetail(raw: unknown): IndicatorDetail {
  const root = isObject(raw) ? (isObject(raw.indicator) ? { ...raw, ...raw.indicator } : raw) : {};
  const base = readIndicator(root);
  const sourceList = pick(root, "observations", "sources");
  const sourceDetails: IndicatorSource[] = Array.isArray(sourceList)
    ? sourceList.filter(isObject).map((s) => ({
        sourceId: str(pick(s, "sourceId", "id")),
        name: str(pick(s, "sourceName", "name", "source")),
        firstSeen: str(s.firstSeen),
        lastSeen: str(s.lastSeen),
        reportCount: num(s.reportCount, 1),
        malwareFamily: strOrNull(s.malwareFamily),
        threatType: strOrNull(s.threatType),
        reference: strOrNull(s.reference),
      }))
    : [];
  const overlay = isObject(root.overlay) ? root.overlay : {};
  const references = [
    ...strings(root.references),
    ...sourceDetails.map((s) => s.reference).filter((r): r is string => Boolean(r)),
  ];
  return {
    ...base,
    malwareFamily: base.malwareFamily ?? sourceDetails.find((s) => s.malwareFamily)?.malwareFamily ?? null,
    threatType: base.threatType ?? sourceDetails.find((s) => s.threatType)?.threatType ?? null,
    sources: base.sources.length > 0 ? base.sources : sourceDetails.map((s) => s.name),
    baseScore: numOrNull(root.baseScore),
    explanation: (() => {
      const stored = readExplanation(pick(root, "explanation", "scoreExplanation"));
      return stored.length > 0
        ? stored
        : fallbackExplanation({
            ...base,
            sightingsCount: num(pick(root, "sightingsCount") ?? overlay.sightingsCount),
          });
    })(),
    sourceDetails,
    context: isObject(root.context) ? root.context : {},
    references: [...new Set(references)],
    notes: strOrNull(pick(root, "notes") ?? overlay.notes),
    description: strOrNull(root.description),
    sightingsCount: num(pick(root, "sightingsCount") ?? overlay.sightingsCount),
    lastSightedAt: strOrNull(pick(root, "lastSightedAt") ?? overlay.lastSightedAt),
  };
}

export async function getIndicator(id: string): Promise<IndicatorDetail> {
  return readIndicatorDetail(await api<unknown>("GET", `${v1}/indicators/${encodeURIComponent(id)}`));
}

/** `PATCH /api/v1/indicators/{id}`: the tenant's overlay (status, notes, tags). */
export async function updateOverlay(
  id: string,
  change: { status?: IndicatorStatus; notes?: string | null; addTags?: string[]; removeTags?: string[] },
): Promise<IndicatorDetail> {
  return readIndicatorDetail(
    await api<unknown>("PATCH", `${v1}/indicators/${encodeURIComponent(id)}`, { body: change }),
  );
}

/** One line for a timeline event of `GET /api/v1/indicators/{id}/timeline`. */
export function readTimelineEvent(e: Json): TimelineEvent {
  const kind = str(pick(e, "kind", "type"), "event");
  const at = str(pick(e, "at", "time", "seenAt", "timestamp"));
  if (kind === "observation") {
    const edge = str(e.edge) === "last_seen" ? "last reported" : "first reported";
    const extra = [strOrNull(e.malwareFamily), strOrNull(e.threatType)].filter(Boolean).join(", ");
    return {
      at,
      kind,
      summary: `${edge} by ${str(e.source, "a source")}${extra ? ` (${extra})` : ""}`,
      source: strOrNull(e.source),
    };
  }
  if (kind === "sighting") {
    const where = [strOrNull(e.sensor), strOrNull(e.asset)].filter(Boolean).join(" / ");
    return { at, kind, summary: `seen ${num(e.count, 1)}×${where ? ` on ${where}` : ""}`, source: null };
  }
  return {
    at,
    kind,
    summary: str(pick(e, "summary", "description", "message")),
    source: strOrNull(e.source),
  };
}

export async function getIndicatorTimeline(id: string): Promise<TimelineEvent[]> {
  const raw = await api<unknown>("GET", `${v1}/indicators/${encodeURIComponent(id)}/timeline`);
  // Oldest first from the API; people read history newest first.
  return pageOf(raw, readTimelineEvent, "events").items.reverse();
}

export async function getRelated(id: string): Promise<{ relation: string; indicator: Indicator }[]> {
  const raw = await api<unknown>("GET", `${v1}/indicators/${encodeURIComponent(id)}/related`);
  return pageOf(
    raw,
    (r) => ({
      relation: str(pick(r, "relation", "reason", "kind"), "related"),
      indicator: readIndicator(isObject(r.indicator) ? r.indicator : r),
    }),
    "related",
  ).items;
}

export function readSighting(s: Json): Sighting {
  return {
    id: str(s.id),
    indicatorId: strOrNull(s.indicatorId),
    value: strOrNull(s.value),
    type: strOrNull(s.type),
    seenAt: str(pick(s, "seenAt", "at")),
    count: num(pick(s, "count", "sightingCount"), 1),
    sensor: strOrNull(pick(s, "sensor", "where")),
  };
}

export async function listSightings(query: Query = {}): Promise<Page<Sighting>> {
  return pageOf(await api<unknown>("GET", `${v1}/sightings`, { query }), readSighting, "sightings");
}

/**
 * Server-side lookup of up to 10,000 values (`POST /api/v1/indicators/lookup`): `{ matches: [{ input, type,
 * value, indicators: [...] }], misses: [{ input, type?, value?, reason? }] }`. Keyed by canonical value.
 */
export async function lookupValues(values: string[]): Promise<LookupMatch[]> {
  const raw = await api<unknown>("POST", `${v1}/indicators/lookup`, { body: { values } });
  const root = isObject(raw) ? raw : {};
  const matches = (Array.isArray(root.matches) ? root.matches : []).filter(isObject).map((m): LookupMatch => {
    const views = (Array.isArray(m.indicators) ? m.indicators : isObject(m.indicator) ? [m.indicator] : [])
      .filter(isObject)
      .map(readIndicator)
      .sort((a, b) => b.score - a.score);
    const best = views[0];
    return {
      value: str(pick(m, "value", "input")),
      type: str(m.type ?? best?.type),
      known: views.length > 0 || m.known === true,
      indicatorId: best?.id ?? strOrNull(m.indicatorId),
      score: best?.score ?? numOrNull(m.score),
      status: best?.status ?? (strOrNull(m.status) as IndicatorStatus | null),
    };
  });
  const misses = (Array.isArray(root.misses) ? root.misses : []).map(
    (m): LookupMatch => ({
      value: isObject(m) ? str(pick(m, "value", "input")) : str(m),
      type: isObject(m) ? str(m.type) : "",
      known: false,
    }),
  );
  return [...matches, ...misses];
}

// ---------------------------------------------------------------- exports

export type ExportFormat = "csv" | "stix" | "misp" | "ecs" | "cef" | "blocklist";
export type BlocklistKind = "ip" | "domain" | "url";

/** The export as a streamed Response; the caller reads it with progress. */
export async function startExport(
  format: ExportFormat,
  filters: IndicatorFilters,
  blocklistKind: BlocklistKind = "ip",
): Promise<Response> {
  if (format === "blocklist") {
    return apiResponse("GET", `${v1}/blocklists/${blocklistKind}`, { headers: { accept: "text/plain" } });
  }
  return apiResponse("GET", `${v1}/exports/${format}`, {
    query: filtersToQuery(filters),
    headers: { accept: "*/*" },
  });
}

// ---------------------------------------------------------------- feeds

export function readFeed(f: Json): Feed {
  const health = isObject(f.health) ? f.health : {};
  const last = isObject(f.lastRun) ? f.lastRun : {};
  const source = isObject(f.source) ? f.source : {};
  const failures = num(health.consecutiveFailures);
  const lastStatus = strOrNull(health.lastStatus ?? last.status);
  return {
    id: str(f.id),
    name: str(f.name),
    source: strOrNull(source.name ?? f.provider),
    sourceId: strOrNull(source.id),
    enabled: f.enabled !== false,
    subscribed: f.subscribed === true,
    health: !f.enabled
      ? "disabled"
      : failures > 0 || lastStatus === "failed"
        ? "failing"
        : lastStatus
          ? "ok"
          : "never",
    lastRunAt: strOrNull(pick(last, "finishedAt", "startedAt") ?? health.lastSuccessAt),
    lastStatus,
    lastError: strOrNull(health.lastError ?? last.error),
    indicatorCount: isObject(f.lastRun)
      ? num(last.indicatorsNew) + num(last.indicatorsChanged) + num(last.indicatorsUnchanged)
      : null,
  };
}

export async function listFeeds(): Promise<Feed[]> {
  return pageOf(await api<unknown>("GET", `${v1}/feeds`), readFeed, "feeds").items;
}

export async function listFeedRuns(feedId: string): Promise<FeedRun[]> {
  const raw = await api<unknown>("GET", `${v1}/feeds/${encodeURIComponent(feedId)}/runs`);
  return pageOf(
    raw,
    (r) => ({
      id: str(r.id),
      status: str(r.status),
      startedAt: str(r.startedAt),
      finishedAt: strOrNull(r.finishedAt),
      accepted: num(r.indicatorsNew) + num(r.indicatorsChanged) + num(r.indicatorsUnchanged),
      rejected: num(r.rowsRejected),
      error: strOrNull(r.error),
    }),
    "runs",
  ).items;
}

// ---------------------------------------------------------------- tenant admin

function readUser(u: Json): User {
  return {
    id: str(u.userId ?? u.id),
    email: str(u.email),
    displayName: strOrNull(u.displayName),
    role: str(u.role, "viewer") as Role,
    mfaEnabled: u.mfaEnabled === true || u.totpEnabled === true,
    lastSignInAt: strOrNull(u.lastSignInAt),
    disabled: Boolean(u.disabledAt) || u.disabled === true,
  };
}

const tenantPath = (tenantId: string) => `${v1}/tenants/${encodeURIComponent(tenantId)}`;

export async function listUsers(tenantId: string): Promise<User[]> {
  return pageOf(await api<unknown>("GET", `${tenantPath(tenantId)}/users`), readUser, "users").items;
}

export async function changeRole(tenantId: string, userId: string, role: Role): Promise<void> {
  await api<unknown>("PATCH", `${tenantPath(tenantId)}/users/${encodeURIComponent(userId)}`, {
    body: { role },
  });
}

function readInvitation(i: Json): Invitation {
  return {
    id: str(i.id),
    email: str(i.email),
    role: str(i.role, "analyst") as Role,
    expiresAt: str(i.expiresAt),
    acceptedAt: strOrNull(i.acceptedAt),
    link: strOrNull(pick(i, "link", "url", "inviteUrl")),
  };
}

export async function listInvitations(tenantId: string): Promise<Invitation[]> {
  return pageOf(
    await api<unknown>("GET", `${tenantPath(tenantId)}/invitations`),
    readInvitation,
    "invitations",
  ).items;
}

/** The `link` is present only in development, where mail is logged instead of sent. */
export async function createInvitation(
  tenantId: string,
  input: { email: string; role: Role },
): Promise<Invitation> {
  const raw = await api<unknown>("POST", `${tenantPath(tenantId)}/invitations`, { body: input });
  const root = isObject(raw) ? raw : {};
  return readInvitation({
    ...(isObject(root.invitation) ? root.invitation : root),
    link: pick(root, "link", "url", "inviteUrl"),
  });
}

function readToken(t: Json): ApiToken {
  return {
    id: str(t.id),
    name: str(t.name),
    prefix: str(pick(t, "hint", "prefix", "tokenPrefix")),
    scopes: strings(t.scopes),
    createdAt: str(t.createdAt),
    expiresAt: strOrNull(t.expiresAt),
    lastUsedAt: strOrNull(t.lastUsedAt),
    lastUsedIp: strOrNull(t.lastUsedIp),
    revokedAt: strOrNull(t.revokedAt),
    ipAllowlist: strings(t.ipAllowlist),
  };
}

export async function listTokens(): Promise<ApiToken[]> {
  return pageOf(await api<unknown>("GET", `${v1}/tokens`), readToken, "tokens").items;
}

/** `POST /api/v1/tokens` answers the token once (`token`), with its id, hint and settings. */
export async function createToken(input: {
  name: string;
  scopes: string[];
  expiresInMinutes?: number | undefined;
  ipAllowlist?: string[];
}): Promise<CreatedToken> {
  const { expiresInMinutes, ...rest } = input;
  const expiresAt =
    expiresInMinutes === undefined ? null : new Date(Date.now() + expiresInMinutes * 60_000).toISOString();
  const raw = await api<unknown>("POST", `${v1}/tokens`, { body: { ...rest, expiresAt } });
  const root = isObject(raw) ? raw : {};
  return {
    token: readToken({ ...root, createdAt: root.createdAt ?? new Date().toISOString() }),
    secret: str(root.token),
  };
}

export async function revokeToken(id: string): Promise<void> {
  await api<unknown>("DELETE", `${v1}/tokens/${encodeURIComponent(id)}`);
}

export async function listAudit(tenantId: string): Promise<Page<AuditEntry>> {
  return pageOf(
    await api<unknown>("GET", `${tenantPath(tenantId)}/audit`, { query: { limit: 200 } }),
    (e) => ({
      id: str(e.id),
      seq: num(e.seq),
      at: str(pick(e, "createdAt", "at")),
      action: str(e.action),
      actor: strOrNull(pick(e, "actorEmail", "actorUserId", "actorTokenId")),
      target: [strOrNull(e.targetKind), strOrNull(e.targetId)].filter(Boolean).join(" ") || null,
      ip: strOrNull(e.ip),
      details: isObject(e.details) ? e.details : {},
    }),
    "entries",
  );
}

export function auditExportPath(tenantId: string): string {
  return `${tenantPath(tenantId)}/audit/export`;
}

export async function verifyAudit(
  tenantId: string,
): Promise<{ ok: boolean; checked: number; message: string }> {
  const raw = await api<unknown>("GET", `${tenantPath(tenantId)}/audit/verification`);
  const root = isObject(raw) ? raw : {};
  return {
    ok: root.ok === true,
    checked: num(pick(root, "entries", "checked")),
    message:
      root.brokenAtSeq != null ? `the entry #${str(root.brokenAtSeq)} does not match` : str(root.reason),
  };
}

// ---------------------------------------------------------------- saved searches

/** Search filters -> the API's saved filter JSON (`types`, `tags`, `statuses`, score and date bounds …). */
export function filtersToSavedFilter(filters: IndicatorFilters): Json {
  const out: Json = {};
  if (filters.type) out.types = [filters.type];
  if (filters.tag) out.tags = [filters.tag];
  if (filters.status) out.statuses = [filters.status];
  if (filters.source) out.sourceIds = [filters.source];
  if (filters.tlp) out.tlp = [filters.tlp];
  if (filters.scoreMin !== undefined) out.scoreMin = filters.scoreMin;
  if (filters.scoreMax !== undefined) out.scoreMax = filters.scoreMax;
  for (const key of ["firstSeenFrom", "firstSeenTo", "lastSeenFrom", "lastSeenTo"] as const) {
    const value = filters[key];
    if (value) out[key] = value.length === 10 ? `${value}T00:00:00Z` : value;
  }
  return out;
}

export function savedFilterToFilters(filter: Json): IndicatorFilters {
  const first = (v: unknown) => strings(v)[0];
  const filters: IndicatorFilters = {};
  const set = (key: keyof IndicatorFilters, value: string | undefined) => {
    if (value) (filters as Record<string, unknown>)[key] = value;
  };
  set("type", first(filter.types));
  set("tag", first(filter.tags));
  set("status", first(filter.statuses));
  set("source", first(filter.sourceIds));
  set("tlp", first(filter.tlp));
  if (typeof filter.scoreMin === "number") filters.scoreMin = filter.scoreMin;
  if (typeof filter.scoreMax === "number") filters.scoreMax = filter.scoreMax;
  for (const key of ["firstSeenFrom", "firstSeenTo", "lastSeenFrom", "lastSeenTo"] as const) {
    set(key, strOrNull(filter[key])?.slice(0, 10));
  }
  return filters;
}

export async function listSavedSearches(): Promise<
  { id: string; name: string; filters: IndicatorFilters }[]
> {
  return pageOf(
    await api<unknown>("GET", `${v1}/saved-searches`),
    (s) => ({
      id: str(s.id),
      name: str(s.name),
      filters: savedFilterToFilters(isObject(s.filter) ? s.filter : {}),
    }),
    "savedSearches",
  ).items;
}

export async function createSavedSearch(name: string, filters: IndicatorFilters): Promise<void> {
  await api<unknown>("POST", `${v1}/saved-searches`, {
    body: { name, filter: filtersToSavedFilter(filters) },
  });
}

// ---------------------------------------------------------------- MSSP

function readClient(t: Json): ClientTenant {
  const stats = isObject(t.stats) ? t.stats : isObject(t.health) ? t.health : {};
  return {
    id: str(t.id),
    name: str(t.name),
    slug: str(t.slug),
    customDomain: strOrNull(t.customDomain),
    suspended: Boolean(t.suspendedAt) || t.suspended === true,
    users: numOrNull(pick(t, "users", "userCount") ?? pick(stats, "users", "userCount")),
    feeds: numOrNull(pick(t, "feeds", "feedCount") ?? pick(stats, "feeds", "feedCount")),
    indicators: numOrNull(
      pick(t, "indicators", "indicatorCount") ?? pick(stats, "indicators", "indicatorCount"),
    ),
    lastActivityAt: strOrNull(pick(t, "lastActivityAt") ?? stats.lastActivityAt),
    issues: strings(pick(t, "issues") ?? stats.issues),
  };
}

/** `GET /api/v1/tenants`: `{ tenant, children }`; the MSSP's clients are the children. */
export async function listClients(): Promise<ClientTenant[]> {
  const raw = await api<unknown>("GET", `${v1}/tenants`);
  return pageOf(
    isObject(raw) && Array.isArray(raw.children) ? raw.children : raw,
    readClient,
    "tenants",
  ).items.filter((t) => t.id !== "");
}

export async function createClient(input: {
  name: string;
  slug: string;
  customDomain?: string;
}): Promise<ClientTenant> {
  const raw = await api<unknown>("POST", `${v1}/tenants`, {
    body: {
      name: input.name,
      slug: input.slug,
      ...(input.customDomain ? { customDomain: input.customDomain } : {}),
    },
  });
  return readClient(isObject(raw) ? (isObject(raw.tenant) ? raw.tenant : raw) : {});
}

/** Branding lives in the tenant's settings (`PATCH /api/v1/tenants/{id}`); the custom domain on the tenant. */
export async function updateBranding(
  tenantId: string,
  branding: Omit<Branding, "tenantId" | "slug">,
): Promise<Branding> {
  const body = {
    branding: {
      productName: branding.productName,
      ...(branding.logoUrl ? { logoUrl: branding.logoUrl } : {}),
      colors: {
        primary: branding.colors.primary,
        ...(branding.colors.accent ? { accent: branding.colors.accent } : {}),
      },
    },
    ...(branding.customDomain !== undefined ? { customDomain: branding.customDomain || null } : {}),
  };
  return readTenantBranding(await api<unknown>("PATCH", tenantPath(tenantId), { body }));
}

function readTenantBranding(raw: unknown): Branding {
  const tenant = isObject(raw) ? (isObject(raw.tenant) ? raw.tenant : raw) : {};
  const settings = isObject(tenant.settings) ? tenant.settings : {};
  return readBranding({
    ...(isObject(settings.branding) ? settings.branding : {}),
    tenantId: tenant.id,
    slug: tenant.slug,
    customDomain: tenant.customDomain,
  });
}

export async function getTenantBranding(tenantId: string): Promise<Branding> {
  return readTenantBranding(await api<unknown>("GET", tenantPath(tenantId)));
}

/** Subscribes the acting tenant to a global feed (`PUT /api/v1/feeds/{id}/subscription`). */
export async function subscribeFeed(feedId: string): Promise<void> {
  await api<unknown>("PUT", `${v1}/feeds/${encodeURIComponent(feedId)}/subscription`, {
    body: { enabled: true },
  });
}

// ---------------------------------------------------------------- invitations (anonymous, by the link's token)

/** What an invitation link is for: the tenant (name and brand), e-mail and role. 410 when no longer valid. */
export async function previewInvitation(token: string): Promise<InvitationPreview> {
  return api<InvitationPreview>("POST", `${v1}/invitations/preview`, {
    body: { token },
    quietUnauthorized: true,
  });
}

/** Accepts the invitation (a new account chooses its name and password); signing in is the next call. */
export async function acceptInvitation(input: {
  token: string;
  password?: string;
  displayName?: string;
}): Promise<void> {
  await api<unknown>("POST", `${v1}/invitations/acceptance`, { body: input, quietUnauthorized: true });
}
