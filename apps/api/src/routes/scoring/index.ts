import type { App } from "../../app.ts";
import { bodyLimitOf } from "../body-limit.ts";
import { registerIndicatorFeedback } from "./feedback.ts";
import { registerIndicatorScore } from "./indicator-score.ts";
import { registerScoringModel } from "./model.ts";
import { registerListWarninglists } from "./warninglists.ts";

/** Scoring: an indicator's score and explanation, tenant verdicts, the tunable model, the warninglists. */
export function registerScoringRoutes(app: App): void {
  app.use("/api/v1/scoring/*", bodyLimitOf(64 * 1024));
  registerIndicatorScore(app);
  registerIndicatorFeedback(app);
  registerScoringModel(app);
  registerListWarninglists(app);
}
