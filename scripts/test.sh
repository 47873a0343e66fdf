#!/usr/bin/env bash
# Install what is missing for the tests (Graphviz, Chromium and its driver, Redis, docker-compose,
# .venv with torch and gradtrace[dev]), then run the whole test suite. Extra arguments go to
# pytest (e.g. -k graph). docker-compose only checks the compose files: no Docker engine is
# needed. The static checks are scripts/check (CI runs both: .ci/run).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

setup_for_tests
cd "$ROOT"
exec "$VENV/bin/python" -m pytest "$@"
