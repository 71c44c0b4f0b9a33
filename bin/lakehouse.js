#!/usr/bin/env node
// The `lakehouse` CLI: the compiled build when installed as a package, the TypeScript sources
// (through ts-node) in a checkout without a build.
const path = require("path");
const fs = require("fs");
const compiled = path.join(__dirname, "..", "dist", "cli", "main.js");
if (fs.existsSync(compiled)) {
  require(compiled);
} else {
  require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
  require(path.join(__dirname, "..", "cli", "main.ts"));
}
