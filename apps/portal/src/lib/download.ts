/**
 * Reads a streamed export with progress (bytes, and rows for line formats) and hands it to the browser
 * as a download. Large exports are streamed by the API; the browser keeps the chunks until the end.
 */
export interface ExportProgress {
  bytes: number;
  lines: number;
  total: number | null;
}

export async function readWithProgress(
  response: Response,
  onProgress: (progress: ExportProgress) => void,
  signal?: AbortSignal,
): Promise<Blob> {
  const total = Number(response.headers.get("content-length")) || null;
  const type = response.headers.get("content-type") ?? "application/octet-stream";
  if (!response.body) return response.blob();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let lines = 0;
  let lastReport = 0;
  for (;;) {
    if (signal?.aborted) {
      await reader.cancel();
      throw new DOMException("Export cancelled", "AbortError");
    }
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    bytes += value.byteLength;
    for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
    const now = performance.now();
    if (now - lastReport > 100) {
      lastReport = now;
      onProgress({ bytes, lines, total });
    }
  }
  onProgress({ bytes, lines, total });
  return new Blob(chunks as BlobPart[], { type });
}

/** Suggested file name from Content-Disposition, else the fallback. */
export function fileNameFrom(response: Response, fallback: string): string {
  const header = response.headers.get("content-disposition") ?? "";
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(header);
  return match?.[1] ? decodeURIComponent(match[1]) : fallback;
}

export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
