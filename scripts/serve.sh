#!/usr/bin/env bash
# Install what serving needs and is missing (Graphviz, .venv with torch and gradtrace; Celery and
# redis-py too when GRADTRACE_REDIS_URL asks for scale-out mode), then serve gradtrace on
# http://127.0.0.1:8000. Extra arguments go to `gradtrace serve` (e.g. --port 9000 --workers 2).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

setup_for_serving
cd "$ROOT"
# No --host/--port here: the defaults (127.0.0.1:8000) or GRADTRACE_HOST/GRADTRACE_PORT apply.
exec "$VENV/bin/gradtrace" serve "$@"
