#!/usr/bin/env bash
# `npm run lab`: JupyterLab from the project's virtualenv, on notebooks/, with the tslab kernel registered
# there (scripts/setup.sh). The Jupyter server also serves plotly.js for the notebooks' figures and, under
# /perflab/, the runs' reports, flamegraphs and profiles (`perflab view` behind jupyter-server-proxy).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
args=(--ServerApp.ip=127.0.0.1)
case " $* " in *" --notebook-dir="*|*" --ServerApp.root_dir="*) ;; *) args+=(--notebook-dir=notebooks) ;; esac
# Jupyter refuses to run as root without being told; containers and dev VMs often are root.
if [ "$(id -u)" = 0 ]; then args+=(--allow-root); fi
# The kernel builds links to /perflab/… from this (the server's base URL; "/" unless you pass --ServerApp.base_url).
base=/
for a in "$@"; do case "$a" in --ServerApp.base_url=*|--base-url=*) base="${a#*=}" ;; esac; done
export PERFLAB_JUPYTER_BASE_URL="${base%/}/"
exec .venv/bin/jupyter lab "${args[@]}" "$@"
