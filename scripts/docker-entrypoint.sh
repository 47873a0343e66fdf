#!/bin/sh
# Entry point of the gradtrace image: the same commands the native scripts and tests run.
#
#   serve [FLAGS]     gradtrace serve (a web replica; scale-out when GRADTRACE_REDIS_URL is set)
#   worker [FLAGS]    gradtrace worker (a job worker; needs GRADTRACE_REDIS_URL)
#   health            the image's HEALTHCHECK: /health of a web replica, or a live heartbeat in
#                     Redis for a worker of this host
#   anything else     run as given (e.g. `docker run --rm -it gradtrace sh`)
#
# Runs natively too (tests/test_deploy_image.py): `gradtrace` only has to be on PATH.
set -eu

ROLE_FILE="${TMPDIR:-/tmp}/gradtrace-role"

case "${1:-serve}" in
  serve | worker)
    echo "$1" >"$ROLE_FILE" 2>/dev/null || true
    exec gradtrace "$@"
    ;;
  health)
    role="$(cat "$ROLE_FILE" 2>/dev/null || echo serve)"
    exec python - "$role" <<'PY'
import os
import socket
import sys
import urllib.request

if sys.argv[1] == "worker":
    import redis

    from app.jobs.celery.registry import WorkerRegistry

    client = redis.Redis.from_url(
        os.environ["GRADTRACE_REDIS_URL"], socket_timeout=3, decode_responses=True
    )
    host = "@" + socket.gethostname()
    sys.exit(0 if any(n.endswith(host) for n in WorkerRegistry(client).nodes()) else 1)
port = os.environ.get("GRADTRACE_PORT", "8000")
with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=4) as response:
    sys.exit(0 if response.status == 200 else 1)
PY
    ;;
  *)
    exec "$@"
    ;;
esac
