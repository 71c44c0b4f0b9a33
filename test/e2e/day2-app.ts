import { App } from "cdktf";
import { environments, LakehouseOptions, settingsFromEnv } from "../../stacks/environments";
import { LakehouseStack, withDeployedSchema } from "../../stacks/lakehouse-stack";

/**
 * The dev stack as a pull request would change it: the Day-2 e2e runs `cdktf deploy dev --app
 * "<this file>"` with E2E_DEV_PATCH, a JSON object merged into the dev stack's Lakehouse props
 * (one level deep per layer, e.g. {"streamJob": {"taskSlots": 3}}), so each step is a prop edit.
 * A dev stack with renamed names, which `lakehouse verify dev` must follow through the contract:
 * E2E_DEV_PATCH='{"cdc":{"topicPrefix":"shop"},"streamJob":{"rawDatabase":"cdc_raw","stateDatabase":"cdc_state"},"queryEngine":{"catalogName":"lake"},"transformations":{"schema":"marts"}}'
 */
const LAYERS = ["sourceDb", "cdc", "warehouse", "streamJob", "queryEngine", "transformations", "orchestrator", "dashboards"];
const patch = JSON.parse(process.env.E2E_DEV_PATCH ?? "{}") as Record<string, Record<string, unknown> | false>;
// A misspelt layer would be merged as an unknown prop and silently change nothing.
const unknown = Object.keys(patch).filter((layer) => !LAYERS.includes(layer));
if (unknown.length > 0) throw new Error(`E2E_DEV_PATCH: unknown layer(s) ${unknown.join(", ")}; the layers are ${LAYERS.join(", ")}`);
const app = new App();
for (const env of environments(settingsFromEnv())) {
  if (env.name !== "dev") continue;
  const base = env.lakehouse as unknown as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...base };
  for (const [layer, props] of Object.entries(patch)) {
    merged[layer] = props === false ? false : { ...((base[layer] as object | undefined) ?? {}), ...props };
  }
  new LakehouseStack(app, withDeployedSchema({ ...env, lakehouse: merged as unknown as LakehouseOptions }));
}
app.synth();
