import {
  type CsvColumn,
  cefStream,
  csvStream,
  type ExportIndicator,
  ecsNdjsonStream,
  mispEventStream,
  type Producer,
  stixBundleStream,
  stixMediaType,
  uuidv5,
} from "@threatfusion/exports";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { type ActiveIndicatorFilter, toExportIndicator } from "../indicators/active-indicators.ts";
import { streamActiveIndicators } from "../indicators/stream.ts";
import { exportBatches, isLeanExportFilter } from "./export-read.ts";
import { loadProducer, producerIdentityId, threatfusionNamespace } from "./producer.ts";

export { exportReadConnections } from "./export-read.ts";

export const exportFormats = ["stix", "misp", "csv", "ecs", "cef"] as const;
export type ExportFormat = (typeof exportFormats)[number];

export interface ExportInput {
  format: ExportFormat;
  filter?: ActiveIndicatorFilter | undefined;
  /** Also export false positives and allowlisted indicators, each carrying its reason. */
  includeSuppressed?: boolean | undefined;
  /** CSV only: the columns, in order. */
  columns?: CsvColumn[] | undefined;
  /** STIX only: also the observable and its `based-on` relationship (default true). */
  observables?: boolean | undefined;
}

export interface ExportBody {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  filename: string;
  producer: Producer;
}

const contentTypes: Record<ExportFormat, string> = {
  stix: stixMediaType,
  misp: "application/json",
  csv: "text/csv; charset=utf-8",
  ecs: "application/x-ndjson",
  cef: "text/plain; charset=utf-8",
};
const extensions: Record<ExportFormat, string> = {
  stix: "json",
  misp: "json",
  csv: "csv",
  ecs: "ndjson",
  cef: "cef",
};

/**
 * The tenant's active indicators as export records, in batches, streamed from one transaction. A full
 * export (no filter beyond types) takes the lean cursor read (`exportBatches`); a filtered one walks the
 * active-indicators query page by page. With `stixIdentityId` the lean read also brings the STIX ids.
 */
export async function* exportRecords(
  ctx: ServiceContext,
  filter: ActiveIndicatorFilter,
  includeSuppressed: boolean,
  stixIdentityId?: string,
): AsyncGenerator<ExportIndicator[]> {
  if (isLeanExportFilter(filter)) {
    yield* exportBatches(ctx, { types: filter.types, includeSuppressed, stixIdentityId });
    return;
  }
  // Suppressed rows are read only when asked for; expired and revoked ones never leave in a full export.
  for await (const row of streamActiveIndicators(
    ctx,
    { ...filter, includeSuppressed },
    { order: "version", pageSize: 5_000 },
  )) {
    yield [toExportIndicator(row)];
  }
}

/** The MISP event uuid of a tenant's export: stable, so a MISP instance updates instead of duplicating. */
export function mispEventUuid(tenantId: string): string {
  return uuidv5(threatfusionNamespace, `misp-event/${tenantId}`);
}

/**
 * Streams the tenant's active indicators in one format: a STIX 2.1 bundle, a MISP event, CSV with chosen
 * columns, ECS NDJSON or CEF lines. Never built whole in memory: rows are read 5,000 at a time inside one
 * transaction and written as they come. False positives and allowlisted indicators are left out unless
 * `includeSuppressed` (then each carries its reason).
 */
export async function exportIndicators({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: ExportInput;
}): Promise<ExportBody> {
  authorizeAction(ctx, "export.read");
  const producer = await inTenantTx(ctx, (tx) => loadProducer(tx, ctx.tenant.tenantId));
  const includeSuppressed = input.includeSuppressed === true;
  const records = exportRecords(
    ctx,
    input.filter ?? {},
    includeSuppressed,
    input.format === "stix" ? producerIdentityId(producer) : undefined,
  );
  const overlay = { includeSuppressed };
  const now = ctx.now();
  let body: ReadableStream<Uint8Array>;
  switch (input.format) {
    case "stix":
      body = stixBundleStream(records, { ...overlay, producer, observables: input.observables !== false });
      break;
    case "misp":
      body = mispEventStream(
        records,
        {
          uuid: mispEventUuid(ctx.tenant.tenantId),
          info: `${producer.name} active indicators`,
          date: now.toISOString().slice(0, 10),
          timestamp: Math.floor(now.getTime() / 1000),
          threatLevelId: 2,
          analysis: 2,
          distribution: 0,
          orgc: { name: producer.name, uuid: uuidv5(threatfusionNamespace, `org/${producer.name}`) },
          published: true,
        },
        overlay,
      );
      break;
    case "csv":
      body = csvStream(records, { ...overlay, ...(input.columns ? { columns: input.columns } : {}) });
      break;
    case "ecs":
      body = ecsNdjsonStream(records, { ...overlay, provider: producer.name });
      break;
    case "cef":
      body = cefStream(records, {
        ...overlay,
        deviceVendor: producer.name,
        deviceProduct: "ThreatFusion",
        deviceVersion: "1",
      });
      break;
  }
  return {
    body,
    contentType: contentTypes[input.format],
    filename: `indicators-${now.toISOString().slice(0, 10)}.${extensions[input.format]}`,
    producer,
  };
}
