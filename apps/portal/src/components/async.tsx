import { type JSX, type Resource, Show } from "solid-js";
import { ErrorNotice, Loading } from "./notice.tsx";

/**
 * Renders a resource's three states: loading, a human error (never raw JSON, never a blank page), and the
 * value. `children` receives the ready value.
 */
export function Async<T>(props: {
  of: Resource<T>;
  label?: string;
  retry?: () => void;
  children: (value: T) => JSX.Element;
}): JSX.Element {
  return (
    <Show
      when={!props.of.error}
      fallback={<ErrorNotice error={props.of.error} {...(props.retry ? { retry: props.retry } : {})} />}
    >
      <Show
        when={props.of.state === "ready" || props.of.state === "refreshing"}
        fallback={<Loading {...(props.label ? { label: props.label } : {})} />}
      >
        {props.children(props.of() as T)}
      </Show>
    </Show>
  );
}
