/**
 * Terraform validity tier (`npm run test:validate`): synthesized stacks through `tofu validate`
 * with the offline toolchain (scripts/toolchain.sh). Not part of `npm test`: a cold toolchain
 * build takes minutes.
 */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test/terraform"],
  testMatch: ["**/*.test.ts"],
  // a cold toolchain build (OpenTofu + providers from source) runs inside beforeAll
  testTimeout: 30 * 60 * 1000,
};
