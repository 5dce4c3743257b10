#!/usr/bin/env bash
# Idempotent set-up of kafka-perf-lab on a fresh machine that has Node 20+, Python 3, a JDK 17+ and Maven.
# Every step checks whether its inputs changed since it last ran (a stamp with their hash) and skips if not.
#   bash scripts/setup.sh            npm packages, build, Kafka jars, Python venv with Jupyter, tslab kernel
#   bash scripts/setup.sh --browser  … and Chromium for the browser tests (Debian package, installed if root)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
STAMPS="$ROOT/.perflab/setup"
mkdir -p "$STAMPS"
WANT_BROWSER=0
for arg in "$@"; do
  case "$arg" in
    --browser) WANT_BROWSER=1 ;;
    *) echo "perflab setup: unknown option $arg (known: --browser)" >&2; exit 2 ;;
  esac
done

fail() { echo "perflab setup: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || fail "$1 not found on PATH: $2"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }
stamp_ok() { [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }
stamp_set() { echo "$2" > "$STAMPS/$1"; }
# A step clears its stamp before it starts, so a step stopped halfway (Ctrl-C, a kill) is redone next time.
stamp_clear() { rm -f "$STAMPS/$1"; }
step() { printf 'setup: %-22s' "$1" >&2; }

# --- tools ------------------------------------------------------------------------------------------
need node "install Node.js 20 or newer (https://nodejs.org/ or your package manager)"
need npm "install npm (it comes with Node.js)"
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
[ "$NODE_MAJOR" -ge 20 ] || fail "Node.js $(node --version) is too old: install Node.js 20 or newer"
need python3 "install Python 3.11+ with venv (e.g. apt-get install python3 python3-venv)"
# requirements.txt pins a pip freeze made on Python 3.11 (IPython 9 needs 3.11): older Pythons fail in pip, later.
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || fail "python3 is $(python3 --version 2>&1), too old: the pinned Jupyter (requirements.txt) needs Python 3.11+"
python3 -c 'import venv, ensurepip' 2>/dev/null || fail "python3 cannot create virtualenvs: install the venv module (e.g. apt-get install python3-venv)"
if [ -n "${JAVA_HOME:-}" ]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi
command -v "$JAVA" >/dev/null 2>&1 || fail "java not found on PATH: install a JDK 17+ (e.g. apt-get install openjdk-17-jdk-headless) or set JAVA_HOME"
JAVA_MAJOR=$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9]*\)\.\{0,1\}\([0-9]*\).*/\1 \2/p' | awk '{ print ($1 == 1 ? $2 : $1) }')
[ "${JAVA_MAJOR:-0}" -ge 17 ] || fail "java ${JAVA_MAJOR:-?} found: Kafka 4 needs a JDK 17+ (e.g. apt-get install openjdk-17-jdk-headless)"
[ -n "${PERFLAB_KAFKA_JARS:-}" ] || need mvn "install Maven to fetch the Kafka jars (e.g. apt-get install maven), or set PERFLAB_KAFKA_JARS"

# --- Python virtualenv, in the background ------------------------------------------------------------
# pip (downloads and unpacking, one core at most) runs beside npm, the build and the Kafka jars instead of
# after them: measured on a fresh clone, ~20 s of a ~60 s set-up. Its line is printed where it used to be, once
# it is done; if the script stops first (a failed step, Ctrl-C), the install is stopped with it.
VENV_PID=""
kill_tree() { local c; for c in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$c"; done; kill "$1" 2>/dev/null || true; }
trap '[ -z "$VENV_PID" ] || kill_tree "$VENV_PID"' EXIT
VENV_HASH=$(hash_of requirements.txt)
if ! { stamp_ok venv "$VENV_HASH" && [ -x .venv/bin/python ]; }; then
  stamp_clear venv; rm -f "$STAMPS/venv.failed" "$STAMPS/venv.took"
  (
    t=$(now)
    if ! [ -x .venv/bin/python ] && ! python3 -m venv .venv >"$STAMPS/venv.log" 2>&1; then echo "python3 -m venv .venv failed" >"$STAMPS/venv.failed"; exit 1; fi
    if ! .venv/bin/python -m pip install --disable-pip-version-check -q -r requirements.txt >>"$STAMPS/venv.log" 2>&1; then echo "pip install -r requirements.txt failed" >"$STAMPS/venv.failed"; exit 1; fi
    # An install can succeed and still not work: soupsieve 3.0.1 installed on Debian's Python 3.11.2, and then every
    # notebook's HTML export failed (a CSS selector error inside nbconvert). One export of a tiny notebook (~2 s, only
    # when the venv is built) turns that into one line here instead of a failure in every notebook later.
    if ! .venv/bin/python -c 'import nbformat, nbconvert; nbconvert.HTMLExporter().from_notebook_node(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("x")]))' >>"$STAMPS/venv.log" 2>&1; then
      echo "the venv's nbconvert cannot export HTML ($(.venv/bin/python --version 2>&1); see requirements.txt's markers)" >"$STAMPS/venv.failed"; exit 1
    fi
    stamp_set venv "$VENV_HASH"
    elapsed "$t" >"$STAMPS/venv.took"
  ) &
  VENV_PID=$!
fi

# --- npm packages -----------------------------------------------------------------------------------
step "npm packages"
H=$(hash_of package-lock.json)
if stamp_ok npm "$H" && [ -d node_modules ]; then echo "up to date" >&2; else
  t=$(now); stamp_clear npm
  npm ci --no-audit --no-fund --loglevel=error >"$STAMPS/npm.log" 2>&1 || { echo >&2; tail -20 "$STAMPS/npm.log" >&2; fail "npm ci failed (log: $STAMPS/npm.log)"; }
  stamp_set npm "$H"; echo "installed ($(elapsed "$t"))" >&2
fi
# Notebooks and user code import the lab by package name (npm's postinstall makes the link; make sure).
node scripts/link-self.mjs

# --- build ------------------------------------------------------------------------------------------
step "build (tsc)"
H=$(hash_of tsconfig.json package.json $(find src scripts/build-assets.mjs -type f | sort))
if stamp_ok build "$H" && [ -f dist/index.js ]; then echo "up to date" >&2; else
  t=$(now); stamp_clear build
  rm -rf dist
  npx --no-install tsc -p tsconfig.json >"$STAMPS/build.log" 2>&1 || { echo >&2; head -30 "$STAMPS/build.log" >&2; fail "TypeScript build failed (log: $STAMPS/build.log)"; }
  node scripts/build-assets.mjs >>"$STAMPS/build.log" 2>&1 || { echo >&2; tail -20 "$STAMPS/build.log" >&2; fail "building assets failed (log: $STAMPS/build.log)"; }
  stamp_set build "$H"; echo "built ($(elapsed "$t"))" >&2
fi

# --- Kafka jars from Maven Central -------------------------------------------------------------------
step "Kafka jars (Maven)"
t=$(now)
node bin/perflab.js setup kafka-jars 2>"$STAMPS/jars.log" || { echo >&2; cat "$STAMPS/jars.log" >&2; exit 1; }
echo "$(tail -1 "$STAMPS/jars.log" | sed 's/^Kafka jars //') ($(elapsed "$t"))" >&2

# --- Python virtualenv with JupyterLab, nbclient, nbconvert ------------------------------------------
# (installing since the start, beside npm, the build and the jars: see "in the background" above)
step "Python venv (Jupyter)"
if [ -z "$VENV_PID" ]; then echo "up to date" >&2; else
  venv_rc=0; wait "$VENV_PID" || venv_rc=$?
  VENV_PID=""
  [ "$venv_rc" = 0 ] || { echo >&2; tail -20 "$STAMPS/venv.log" >&2; fail "$(cat "$STAMPS/venv.failed" 2>/dev/null || echo "the Python venv failed") (log: $STAMPS/venv.log)"; }
  echo "installed ($(cat "$STAMPS/venv.took"); beside the steps above)" >&2
fi

# --- tslab kernel, registered inside the venv (not system-wide) --------------------------------------
step "tslab kernel"
KERNEL_JSON=.venv/share/jupyter/kernels/tslab/kernel.json
TSLAB_BIN="$ROOT/node_modules/.bin/tslab"
if [ -f "$KERNEL_JSON" ] && grep -qF "\"$TSLAB_BIN\"" "$KERNEL_JSON"; then echo "up to date" >&2; else
  t=$(now)
  "$TSLAB_BIN" install --python="$ROOT/.venv/bin/python" --sys-prefix --binary="$TSLAB_BIN" >"$STAMPS/kernel.log" 2>&1 || { cat "$STAMPS/kernel.log" >&2; fail "tslab install failed"; }
  echo "registered in .venv ($(elapsed "$t"))" >&2
fi
# Only the TypeScript kernel: tslab also registers a JavaScript one (jslab) and ipykernel a Python one, and
# JupyterLab's first-open kernel dialog may preselect either. The notebooks are TypeScript.
rm -rf .venv/share/jupyter/kernels/jslab .venv/share/jupyter/kernels/python3

# --- the project's Jupyter: HTML export template, plotly.js, profiles through the Jupyter server --------
# (the sys-prefix jupyter_server_config.json: the config.d folder next to it only enables extensions)
step "Jupyter config"
python_json() { .venv/bin/python -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1]), indent=1))' "$1"; }
TEMPLATE_DIR=.venv/share/jupyter/nbconvert/templates/perflab-lab
mkdir -p "$TEMPLATE_DIR" .venv/etc/jupyter
cp scripts/nbconvert/perflab-lab/* "$TEMPLATE_DIR/"
cp dist/assets/plotly.min.js "$TEMPLATE_DIR/plotly.min.js"
NODE_BIN=$(command -v node)
python_json "{
  \"HTMLExporter\": {\"template_name\": \"perflab-lab\"},
  \"NbConvertBase\": {\"display_data_priority\": [\"application/vnd.plotly.v1+json\", \"application/vnd.jupyter.widget-view+json\", \"application/javascript\", \"text/html\", \"text/markdown\", \"image/svg+xml\", \"text/vnd.mermaid\", \"text/latex\", \"image/png\", \"image/jpeg\", \"text/plain\"]},
  \"KernelSpecManager\": {\"ensure_native_kernel\": false},
  \"MappingKernelManager\": {\"default_kernel_name\": \"tslab\"},
  \"ServerApp\": {\"extra_static_paths\": [\"$ROOT/dist/jupyter-static\"]},
  \"ServerProxy\": {\"servers\": {\"perflab\": {
    \"command\": [\"$NODE_BIN\", \"$ROOT/bin/perflab.js\", \"view\", \"--port\", \"{port}\", \"--base-path\", \"{base_url}perflab/\", \"--quiet\"],
    \"absolute_url\": false, \"timeout\": 30, \"launcher_entry\": {\"enabled\": false}}}}
}" > .venv/etc/jupyter/jupyter_server_config.json
echo "export template, plotly.js and the perflab view proxy in .venv" >&2

# --- Chromium and RabbitMQ for the tests (only with --browser, the test set-up) ---------------------
# debian_tool <label> <path> <package> <hint>: present at <path>, or installed from Debian when root.
debian_tool() {
  step "$1"
  if [ -x "$2" ]; then echo "present ($2)" >&2; return; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    local t; t=$(now)
    # A package's own service is not wanted (the lab runs private brokers): policy-rc.d keeps it stopped.
    local added=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && added=1; fi
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$3"; } >"$STAMPS/$3.log" 2>&1 || { [ "$added" = 1 ] && rm -f /usr/sbin/policy-rc.d; echo >&2; tail -10 "$STAMPS/$3.log" >&2; fail "apt-get install $3 failed (log: $STAMPS/$3.log)"; }
    if [ "$added" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
    echo "installed from Debian ($(elapsed "$t"))" >&2
  else
    fail "$3 not found at $2: install it (e.g. sudo apt-get install $3) or $4"
  fi
}
if [ "$WANT_BROWSER" = 1 ]; then
  debian_tool "Chromium" "${PERFLAB_CHROMIUM:-/usr/bin/chromium}" chromium "set PERFLAB_CHROMIUM to a Chromium/Chrome binary"
  debian_tool "RabbitMQ" "${PERFLAB_RABBITMQ_SERVER:-/usr/lib/rabbitmq/bin/rabbitmq-server}" rabbitmq-server "set PERFLAB_RABBITMQ_SERVER to its rabbitmq-server script"
fi
