// Lint behind `npm test` (scripts/run-tests.mjs): ESLint's and typescript-eslint's recommended rules over
// src/, test/, bench/, examples/ and scripts/. Syntax-level only (no type information): it runs in seconds.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", ".venv/**", "reports/**", "profiles/**", ".perflab/**", "scripts/nbconvert/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", require: "readonly", module: "writable", __dirname: "readonly", __filename: "readonly", console: "readonly", Buffer: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", setImmediate: "readonly", clearImmediate: "readonly", performance: "readonly", URL: "readonly", AbortController: "readonly", AbortSignal: "readonly", structuredClone: "readonly", TextDecoder: "readonly", TextEncoder: "readonly", window: "readonly", document: "readonly" } },
    rules: {
      // Lazy loading (danfojs, tslab, role entry) and JSON/package reads are deliberate require() calls.
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // A silent catch must say why in a comment (STYLE: no silent `catch {}`).
      "no-empty": ["error", { allowEmptyCatch: false }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "prefer-const": "error",
      "no-console": "off",
    },
  },
);
