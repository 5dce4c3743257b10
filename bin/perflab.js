#!/usr/bin/env node
"use strict";
const path = require("node:path");
const fs = require("node:fs");
const main = path.join(__dirname, "..", "dist", "cli", "main.js");
if (!fs.existsSync(main)) {
  process.stderr.write("perflab: not built yet (dist/ is missing): run `npm run setup` in " + path.dirname(__dirname) + "\n");
  process.exit(1);
}
require(main).main(process.argv);
