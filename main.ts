import { App } from "cdktf";
import { environments, settingsFromEnv } from "./stacks/environments";
import { LakehouseStack } from "./stacks/lakehouse-stack";

// One stack per environment in stacks/environments.ts: `cdktf deploy dev`, `cdktf deploy k8s`.
const app = new App();
for (const env of environments(settingsFromEnv())) new LakehouseStack(app, env);
app.synth();
