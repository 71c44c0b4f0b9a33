import { App } from "cdktf";
import { environments, settingsFromEnv } from "./stacks/environments";
import { LakehouseStack, withDeployedSchema } from "./stacks/lakehouse-stack";

// One stack per environment in stacks/environments.ts: `cdktf deploy dev`, `cdktf deploy k8s`;
// each checked against the schema it last deployed.
const app = new App();
for (const env of environments(settingsFromEnv())) new LakehouseStack(app, withDeployedSchema(env));
app.synth();
