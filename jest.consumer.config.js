/** Consumer tier (`npm run test:consumer`): installs the packed tarball into a scratch project. */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test/consumer"],
  testTimeout: 600000,
};
