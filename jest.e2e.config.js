/** End-to-end tier (`npm run test:e2e` via scripts/e2e.sh): real deploys, minutes per run. */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test/e2e"],
  testMatch: ["**/*.e2e.test.ts"],
  testTimeout: 30 * 60 * 1000,
  maxWorkers: 1,
};
