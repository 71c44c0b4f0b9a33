#!/usr/bin/env node
// The `lakehouse` CLI. In a checkout it runs the TypeScript sources (through ts-node), so it is
// never a stale build; the published package ships no sources and runs its compiled dist/.
const fs = require("fs");
const path = require("path");
const root = path.join(__dirname, "..");
const sources = path.join(root, "cli", "main.ts");
if (fs.existsSync(sources)) {
  require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
  require(sources);
} else {
  require(path.join(root, "dist", "cli", "main.js"));
}
