import { Route, Router } from "@solidjs/router";
import { lazy } from "solid-js";
import { render } from "solid-js/web";
import { SignInPage } from "./pages/sign-in.tsx";
import { HomeRedirect, NotFoundPage, Shell } from "./shell.tsx";
import "./styles.css";

// Sign-in ships in the entry chunk (it is the first page for everyone); every other page loads on demand.
const DashboardPage = lazy(() => import("./pages/dashboard.tsx"));
const SearchPage = lazy(() => import("./pages/search.tsx"));
const IndicatorPage = lazy(() => import("./pages/indicator.tsx"));
const TimelinePage = lazy(() => import("./pages/timeline.tsx"));
const LookupPage = lazy(() => import("./pages/lookup.tsx"));
const ExportPage = lazy(() => import("./pages/export.tsx"));
const UsersPage = lazy(() => import("./pages/admin/users.tsx"));
const InvitationsPage = lazy(() => import("./pages/admin/invitations.tsx"));
const TokensPage = lazy(() => import("./pages/admin/tokens.tsx"));
const AuditPage = lazy(() => import("./pages/admin/audit.tsx"));
const ClientsPage = lazy(() => import("./pages/mssp/clients.tsx"));
const OnboardingPage = lazy(() => import("./pages/mssp/onboarding.tsx"));
const OverviewPage = lazy(() => import("./pages/mssp/overview.tsx"));
const BrandingPage = lazy(() => import("./pages/mssp/branding.tsx"));
const HealthPage = lazy(() => import("./pages/health.tsx"));
const TableBenchPage = lazy(() => import("./pages/table-bench.tsx"));
const AcceptInvitationPage = lazy(() => import("./pages/accept-invitation.tsx"));

const root = document.getElementById("root");
if (root) {
  render(
    () => (
      <Router root={Shell}>
        <Route path="/" component={HomeRedirect} />
        <Route path="/sign-in" component={SignInPage} />
        <Route path="/status" component={HealthPage} />
        <Route path="/invitations/accept" component={AcceptInvitationPage} />
        <Route path="/dashboard" component={DashboardPage} />
        <Route path="/indicators" component={SearchPage} />
        <Route path="/indicators/:id" component={IndicatorPage} />
        <Route path="/timeline" component={TimelinePage} />
        <Route path="/lookup" component={LookupPage} />
        <Route path="/export" component={ExportPage} />
        <Route path="/admin/users" component={UsersPage} />
        <Route path="/admin/invitations" component={InvitationsPage} />
        <Route path="/admin/tokens" component={TokensPage} />
        <Route path="/admin/audit" component={AuditPage} />
        <Route path="/mssp" component={ClientsPage} />
        <Route path="/mssp/onboarding" component={OnboardingPage} />
        <Route path="/mssp/overview" component={OverviewPage} />
        <Route path="/mssp/clients/:id/branding" component={BrandingPage} />
        <Route path="/bench/table" component={TableBenchPage} />
        <Route path="*404" component={NotFoundPage} />
      </Router>
    ),
    root,
  );
}
