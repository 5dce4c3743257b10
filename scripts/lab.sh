#!/usr/bin/env bash
# `npm run lab`: JupyterLab from the project's virtualenv, on notebooks/, with the tslab kernel registered there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
exec .venv/bin/jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1 "$@"
