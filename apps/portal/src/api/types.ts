import { indicatorTypes as iocIndicatorTypes } from "@threatfusion/ioc";
import type { components } from "./schema.gen.ts";

/**
 * The shapes the portal reads from the API. Where the API's OpenAPI document describes a shape, the type is
 * taken from the generated `schema.gen.ts` (`pnpm --filter @threatfusion/portal api-types`, checked fresh by
 * `pnpm verify`); the rest are the portal's own display shapes, filled by the readers in endpoints.ts.
 */
type Schemas = components["schemas"];

/** `GET /api/v1/auth/me` as the API sends it. */
export type ApiMe = Schemas["Me"];
/** `GET /api/v1/dashboard/summary`: every dashboard widget in one answer, computed in SQL. */
export type DashboardSummary = Schemas["DashboardSummary"];
/** `POST /api/v1/invitations/preview`: the invited tenant, its brand, the e-mail and role. */
export type InvitationPreview = Schemas["InvitationPreview"];
/** `POST /api/v1/auth/acting-tenant`: where the MSSP session now acts. */
export type ActingTenantSwitch = Schemas["ActingTenantSwitch"];

export type Role = Extract<Schemas["Actor"], { kind: "user" }>["role"];
export type TenantKind = Schemas["TenantView"]["kind"];
export type IndicatorStatus = Schemas["IndicatorStatus"];
export type Tlp = Schemas["Tlp"];
export type ThemeChoice = "light" | "dark" | "system";

/** The types offered in filters: the IOC engine's list, less ASNs (no feed yields them yet). */
export const indicatorTypes = iocIndicatorTypes.filter((type) => type !== "asn");
export const indicatorStatuses: readonly IndicatorStatus[] = [
  "new",
  "investigating",
  "confirmed",
  "false_positive",
  "allowlisted",
  "expired",
];
export const tlpLevels: readonly Tlp[] = ["clear", "green", "amber", "amber+strict", "red"];

export interface BrandColors {
  primary: string;
  accent?: string | undefined;
}

export interface Branding {
  tenantId: string | null;
  slug: string | null;
  productName: string;
  logoUrl: string | null;
  faviconUrl: string | null;
  colors: BrandColors;
  theme: ThemeChoice;
  customDomain?: string | null;
}

export type TenantRef = Schemas["TenantView"];

export type MfaState = ApiMe["mfa"];

export interface Me {
  user: { id: string; email: string; displayName: string | null };
  tenant: TenantRef;
  role: Role;
  mfaEnabled: boolean;
  /** What sign-in still owes: a TOTP code (challenge) or setting up TOTP (enrolment). */
  mfa: MfaState;
  /** Client tenant an MSSP user has switched into, if any. */
  actingTenant?: TenantRef | null;
}

export type SignInResult =
  | { status: "signed_in" }
  | { status: "mfa_required" }
  | { status: "enrolment_required" };

export interface IndicatorSource {
  sourceId: string;
  name: string;
  firstSeen: string;
  lastSeen: string;
  reportCount?: number;
  malwareFamily?: string | null;
  threatType?: string | null;
  reference?: string | null;
}

export interface Indicator {
  id: string;
  type: string;
  value: string;
  score: number;
  confidence: number | null;
  status: IndicatorStatus;
  tlp: Tlp;
  tags: string[];
  firstSeen: string;
  lastSeen: string;
  sources: string[];
  malwareFamily: string | null;
  threatType: string | null;
  private: boolean;
  /** The catalog's score before the tenant's overlay (null for private indicators). */
  globalScore: number | null;
  sightingsCount: number;
  lastSightedAt: string | null;
}

export interface ScoreFactor {
  label: string;
  contribution: number;
  detail?: string;
}

export interface IndicatorDetail extends Indicator {
  baseScore: number | null;
  explanation: ScoreFactor[];
  sourceDetails: IndicatorSource[];
  context: Record<string, unknown>;
  references: string[];
  notes: string | null;
  description: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total?: number | undefined;
}

export interface TimelineEvent {
  at: string;
  kind: "observation" | "sighting" | "status" | "note" | string;
  summary: string;
  source?: string | null;
}

export interface Sighting {
  id: string;
  indicatorId: string | null;
  value: string | null;
  type: string | null;
  seenAt: string;
  count: number;
  sensor: string | null;
}

export interface LookupMatch {
  value: string;
  type: string;
  known: boolean;
  indicatorId?: string | null;
  score?: number | null;
  status?: IndicatorStatus | null;
}

export interface Feed {
  id: string;
  name: string;
  source: string | null;
  sourceId: string | null;
  enabled: boolean;
  subscribed: boolean;
  health: "ok" | "failing" | "stale" | "never" | string;
  lastRunAt: string | null;
  lastStatus: string | null;
  lastError: string | null;
  indicatorCount: number | null;
}

export interface FeedRun {
  id: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  accepted: number;
  rejected: number;
  error: string | null;
}

export interface User {
  id: string;
  email: string;
  displayName: string | null;
  role: Role;
  mfaEnabled: boolean;
  lastSignInAt: string | null;
  disabled: boolean;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  expiresAt: string;
  acceptedAt: string | null;
  link?: string | null;
}

export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  revokedAt: string | null;
  ipAllowlist: string[];
}

export interface CreatedToken {
  token: ApiToken;
  secret: string;
}

export interface AuditEntry {
  id: string;
  seq: number;
  at: string;
  action: string;
  actor: string | null;
  target: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export interface ClientTenant {
  id: string;
  name: string;
  slug: string;
  customDomain: string | null;
  suspended: boolean;
  users: number | null;
  feeds: number | null;
  indicators: number | null;
  lastActivityAt: string | null;
  issues: string[];
}

export interface SavedSearch {
  id: string;
  name: string;
  query: string;
}
