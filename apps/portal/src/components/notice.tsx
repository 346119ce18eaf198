import { type JSX, Show } from "solid-js";
import { ApiError, humanMessage } from "../api/client.ts";

function defaultTitle(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 404) return "Not found";
    if (error.status === 403) return "Not allowed";
    if (error.status === 429) return "Too many requests";
  }
  return "Something went wrong";
}

/** An error as a person reads it: the message, what to do, and the request id for support. */
export function ErrorNotice(props: { error: unknown; title?: string; retry?: () => void }): JSX.Element {
  const requestId = () => (props.error instanceof ApiError ? props.error.requestId : undefined);
  return (
    <div class="notice notice-error" role="alert">
      <strong>{props.title ?? defaultTitle(props.error)}</strong>
      <p>{humanMessage(props.error)}</p>
      <Show when={requestId()}>
        <p class="muted small">
          Reference for support: <code>{requestId()}</code>
        </p>
      </Show>
      <Show when={props.retry}>
        {(retry) => (
          <button type="button" class="button" onClick={() => retry()()}>
            Try again
          </button>
        )}
      </Show>
    </div>
  );
}

export function Notice(props: { kind?: "info" | "ok" | "warn"; children: JSX.Element }): JSX.Element {
  return (
    <div class={`notice notice-${props.kind ?? "info"}`} role="status">
      {props.children}
    </div>
  );
}

export function Loading(props: { label?: string }): JSX.Element {
  return (
    <p class="loading muted" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> {props.label ?? "Loading…"}
    </p>
  );
}

export function Empty(props: { children: JSX.Element }): JSX.Element {
  return <p class="empty muted">{props.children}</p>;
}
