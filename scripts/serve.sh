#!/usr/bin/env bash
# Install what is missing (Graphviz, .venv with torch and gradtrace), then serve gradtrace on
# http://127.0.0.1:8000. Extra arguments go to `gradtrace serve` (e.g. --port 9000 --workers 2).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

ensure_commands dot:graphviz
ensure_venv
cd "$ROOT"
# No --host/--port here: the defaults (127.0.0.1:8000) or GRADTRACE_HOST/GRADTRACE_PORT apply.
exec "$VENV/bin/gradtrace" serve "$@"
