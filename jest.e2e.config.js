/** End-to-end tier (`npm run test:e2e` via scripts/e2e.sh): real deploys, minutes per run. */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test/e2e"],
  testMatch: ["**/*.e2e.test.ts"],
  testTimeout: 30 * 60 * 1000,
  maxWorkers: 1,
  // A failing e2e test's message is printed again as the run's last lines (the default only does
  // so past 20 suites): CI keeps the tail of a long log, and that is where it must be.
  reporters: [["default", { summaryThreshold: 0 }]],
};
