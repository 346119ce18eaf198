import { A, useParams } from "@solidjs/router";
import { createResource, type JSX, onMount } from "solid-js";
import { getTenantBranding, updateBranding } from "../../api/endpoints.ts";
import { pageTitle } from "../../branding.ts";
import { Async } from "../../components/async.tsx";
import { BrandingEditor } from "./branding-editor.tsx";

export default function BrandingPage(): JSX.Element {
  const params = useParams<{ id: string }>();
  onMount(() => {
    document.title = pageTitle("Branding");
  });
  const [branding, { refetch }] = createResource(() => params.id, getTenantBranding);
  return (
    <section aria-labelledby="branding-title">
      <nav class="muted small" aria-label="Breadcrumb">
        <A href="/mssp">Clients</A> › Branding
      </nav>
      <h1 id="branding-title">Branding</h1>
      <Async of={branding} retry={refetch} label="Loading branding…">
        {(b) => (
          <BrandingEditor
            initial={b}
            onSave={async (draft) => {
              await updateBranding(params.id, draft);
            }}
          />
        )}
      </Async>
    </section>
  );
}
