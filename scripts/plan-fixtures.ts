/**
 * Regenerates the plan-summary unit-test fixtures (test/fixtures/plan-summary/) from real
 * OpenTofu plans of the scenarios in scripts/lib/plan-scenarios.ts, trimmed to what the summary
 * reads. Needs the toolchain (npm run toolchain); no Docker engine or cluster (nothing is
 * refreshed or applied).
 *
 *   npx ts-node --transpile-only scripts/plan-fixtures.ts [SCENARIO...]
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { trimPlan, trimSynth } from "./lib/plan";
import { planScenario, scenarios } from "./lib/plan-scenarios";
import { loadToolchain } from "./lib/terraform";

const OUT = path.resolve(__dirname, "..", "test", "fixtures", "plan-summary");
const only = process.argv.slice(2);
const tc = loadToolchain({ build: "if-missing" });
const work = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-plan-fixtures-"));
fs.mkdirSync(OUT, { recursive: true });
try {
  for (const s of scenarios().filter((x) => only.length === 0 || only.includes(x.name))) {
    const t0 = Date.now();
    const p = planScenario(s, path.join(work, s.name), tc, (line) => console.error(`  ${line}`));
    const plan = { description: s.description, ...trimPlan(p.plan) };
    fs.writeFileSync(path.join(OUT, `${s.name}.plan.json`), `${JSON.stringify(plan, null, 1)}\n`);
    fs.writeFileSync(path.join(OUT, `${s.name}.synth.json`), `${JSON.stringify(trimSynth(p.synth), null, 1)}\n`);
    const actions = plan.resource_changes.map((rc: { change: { actions: string[] } }) => rc.change.actions.join(",")).filter((a: string) => a !== "no-op");
    console.error(`${s.name}: ${actions.length} change(s) in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
