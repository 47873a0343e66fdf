#!/usr/bin/env bash
# Shared set-up for scripts/serve.sh and scripts/test.sh; also runnable on its own:
#
#   scripts/setup.sh serve   what serving needs: Graphviz, .venv with torch and gradtrace (plus
#                            the scale-out extra, Celery and redis-py, when GRADTRACE_REDIS_URL
#                            is set)
#   scripts/setup.sh [test]  all of that and what the tests and checks need: Chromium and its
#                            driver, redis-server, docker-compose, gradtrace[dev]
#
# Idempotent and fast when there is nothing to do: apt runs only for a command that is missing,
# torch is installed only when .venv lacks torch 2.13.0, and `pip install -e .[EXTRA]` runs only
# when pyproject.toml changed since that install (its hash is kept in .venv, per extra).
#
# Environment:
#   PYTHON          interpreter for a new .venv (default: python3; needs 3.11+)
#   TORCH_PIP_ARGS  extra pip arguments for torch, e.g. "--index-url https://download.pytorch.org/whl/cpu"
#                   for the CPU build on a machine without a local wheel
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
TORCH_VERSION="2.13.0"

log() { printf '[gradtrace] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  log "apt-get install $*"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# ensure_commands CMD:PACKAGE ... -- apt-get install the packages whose command is missing.
ensure_commands() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
  fi
}

# ensure_venv [EXTRA] -- .venv with torch $TORCH_VERSION first, then gradtrace itself, with
# the optional dependencies EXTRA of pyproject.toml (none when empty).
ensure_venv() {
  local extra="${1:-}"
  if [ ! -x "$VENV/bin/python" ]; then
    local python="${PYTHON:-python3}"
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
      || { log "$python is older than 3.11"; exit 1; }
    log "creating .venv with $python"
    if ! "$python" -m venv "$VENV"; then
      apt_install python3-venv  # Debian ships venv's ensurepip separately
      rm -rf "$VENV"
      "$python" -m venv "$VENV"
    fi
  fi
  local pip=("$VENV/bin/python" -m pip install --disable-pip-version-check -q)
  if ! "$VENV/bin/python" - "$TORCH_VERSION" <<'PY'
import sys
from importlib.metadata import PackageNotFoundError, version
try:
    sys.exit(version("torch").split("+")[0] != sys.argv[1])
except PackageNotFoundError:
    sys.exit(1)
PY
  then
    # torch first and pinned, so the project's "torch>=2.4" below finds it satisfied.
    log "pip install torch==$TORCH_VERSION"
    # shellcheck disable=SC2086  # TORCH_PIP_ARGS is a list of arguments
    "${pip[@]}" "torch==$TORCH_VERSION" ${TORCH_PIP_ARGS:-}
  fi
  local target="$ROOT" stamp="$VENV/.gradtrace-pyproject.sha256"
  if [ -n "$extra" ]; then
    target="$ROOT[$extra]"
    stamp="$VENV/.gradtrace-pyproject-$extra.sha256"
  fi
  local want
  want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
  if [ ! -x "$VENV/bin/gradtrace" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "pip install -e .${extra:+[$extra]}"
    "${pip[@]}" -e "$target"
    echo "$want" >"$stamp"
  fi
}

# setup_for_serving -- Graphviz and .venv; Celery and redis-py only for scale-out mode.
setup_for_serving() {
  ensure_commands dot:graphviz
  if [ -n "${GRADTRACE_REDIS_URL:-}" ]; then
    ensure_venv scale
  else
    ensure_venv
  fi
}

# setup_for_tests -- everything: the test suite starts servers, browsers, Redis, and checks the
# compose files (docker-compose only reads them: no Docker engine is needed).
setup_for_tests() {
  ensure_commands dot:graphviz chromium:chromium chromedriver:chromium-driver \
    redis-server:redis-server docker-compose:docker-compose
  ensure_venv dev
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-test}" in
    serve) setup_for_serving ;;
    test) setup_for_tests ;;
    *)
      log "usage: scripts/setup.sh [serve|test]"
      exit 2
      ;;
  esac
  log "set up: $VENV"
fi
