import { A } from "@solidjs/router";
import type { JSX } from "solid-js";

export function AdminNav(): JSX.Element {
  return (
    <nav class="subnav" aria-label="Administration">
      <A href="/admin/users" activeClass="active">
        Users and roles
      </A>
      <A href="/admin/invitations" activeClass="active">
        Invitations
      </A>
      <A href="/admin/tokens" activeClass="active">
        API tokens
      </A>
      <A href="/admin/audit" activeClass="active">
        Audit log
      </A>
    </nav>
  );
}
