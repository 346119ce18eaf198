import { Route, Router } from "@solidjs/router";
import { render } from "solid-js/web";
import { Layout } from "./layout.tsx";
import { HealthPage } from "./pages/health.tsx";
import "./styles.css";

const root = document.getElementById("root");
if (root) {
  render(
    () => (
      <Router root={Layout}>
        <Route path="/" component={HealthPage} />
        <Route path="/status" component={HealthPage} />
      </Router>
    ),
    root,
  );
}
