// ESLint (flat config): typescript-eslint's recommended rules on the TypeScript, and on the
// CommonJS job scripts and configs, which run on plain Node.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["node_modules/", "dist/", "cdktf.out*/", ".gen/", "docs/api/", "coverage/", "test-output/", "dbt/target/", "dbt/logs/"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.js"],
    languageOptions: { sourceType: "commonjs", globals: { ...globals.node } },
    // CommonJS: require() is how these files load modules.
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    rules: {
      // `_`-prefixed names are deliberately unused (destructuring, callback signatures).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    files: ["test/**"],
    // Tests read synthesized Terraform JSON, fake HTTP bodies and Kafka events, which have no types; asserting on them is the test's job.
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
