import { createResource, For, Show } from "solid-js";

interface HealthPart {
  status: "ok" | "degraded" | "down";
  detail?: string;
  latencyMs?: number;
}

interface Health {
  status: "ok" | "degraded" | "down";
  time: string;
  parts: Record<string, HealthPart>;
}

async function fetchHealth(): Promise<Health> {
  const response = await fetch("/api/health", { headers: { accept: "application/json" } });
  return (await response.json()) as Health;
}

const partLabels: Record<string, string> = {
  database: "Database",
  durableObjects: "Durable Objects",
  queues: "Queues",
  cron: "Scheduler",
  search: "Search",
};

/** Platform status: what `/api/health` reports, readable by a person. */
export default function HealthPage() {
  const [health] = createResource(fetchHealth);
  return (
    <section aria-labelledby="status-title">
      <h1 id="status-title">Platform status</h1>
      <Show when={health.error}>
        <p role="alert">The platform did not answer. Is the Worker running?</p>
      </Show>
      <Show when={health()}>
        {(current) => (
          <>
            <p>
              Overall: <strong class={`status status-${current().status}`}>{current().status}</strong>
            </p>
            <ul class="parts">
              <For each={Object.entries(current().parts)}>
                {([name, part]) => (
                  <li>
                    <span class={`status status-${part.status}`}>{part.status}</span>{" "}
                    {partLabels[name] ?? name}
                    <Show when={part.detail}>
                      <span class="muted"> — {part.detail}</span>
                    </Show>
                  </li>
                )}
              </For>
            </ul>
          </>
        )}
      </Show>
    </section>
  );
}
