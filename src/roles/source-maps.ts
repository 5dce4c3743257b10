// Imported first by role-main: Node records source maps only for code loaded after this call, and the
// profiling collectors need them to map profile positions back to TypeScript.
process.setSourceMapsEnabled(true);
