/** Unit and synth tests (`npm test`). Terraform validation and end-to-end tiers have their own configs. */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/terraform/", "<rootDir>/test/e2e/", "<rootDir>/test/consumer/", "<rootDir>/test/rules/"],
  setupFilesAfterEnv: ["<rootDir>/test/setup.ts"],
  testTimeout: 60000,
};
