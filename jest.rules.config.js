/**
 * Alert rule tier (`npm run test:rules`): the Monitoring construct's rules through `promtool test
 * rules` in the locally built Prometheus image. Not part of `npm test`: it needs Docker and the image.
 */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test/rules"],
  testMatch: ["**/*.test.ts"],
  testTimeout: 120000,
};
