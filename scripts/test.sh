#!/usr/bin/env bash
# Install what is missing (Graphviz, Chromium and its driver, Redis, docker-compose, .venv with
# torch and gradtrace[dev]), then run the whole test suite. Extra arguments go to pytest (e.g.
# -k graph). docker-compose only checks the compose files: no Docker engine is needed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

ensure_commands dot:graphviz chromium:chromium chromedriver:chromium-driver redis-server:redis-server \
  docker-compose:docker-compose
ensure_venv
cd "$ROOT"
exec "$VENV/bin/python" -m pytest "$@"
