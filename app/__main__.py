"""The gradtrace command line: ``gradtrace serve`` and ``gradtrace worker`` (also
``python -m app serve``).

Imports stay inside the functions: worker processes are spawned, and spawn re-imports the
parent's main module (this one, under ``python -m app``) in every worker, which should cost
nothing and must not import torch before the worker's fence is up.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; one subparser per command."""
    parser = argparse.ArgumentParser(
        prog="gradtrace",
        description="See PyTorch autograd: run small programs, get their autograd graphs.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="run the web service",
        description="Run the HTTP service (uvicorn) with a pool of warm job workers. Flags "
        "override the GRADTRACE_* environment variables of the same name.",
    )
    serve.add_argument("--host", help="address to listen on (GRADTRACE_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (GRADTRACE_PORT, 8000)")
    serve.add_argument(
        "--workers",
        type=int,
        help="job worker processes that run programs (GRADTRACE_WORKERS, min(4, CPUs)); "
        "the web server itself is one process",
    )
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn's log level (info)",
    )
    serve.set_defaults(run=serve_command)
    worker = commands.add_parser(
        "worker",
        help="run a job worker (scale-out mode)",
        description="Run a worker that takes programs and training runs from Redis (Celery) "
        "and runs them in fenced, warm processes. Needs GRADTRACE_REDIS_URL; see "
        "docs/deploy.md.",
    )
    worker.add_argument(
        "--concurrency",
        type=int,
        help="worker processes (default: GRADTRACE_WORKERS + GRADTRACE_RUN_WORKERS)",
    )
    worker.add_argument(
        "--queues",
        help="comma-separated queues to take jobs from: programs, runs (default: both; a "
        "worker with a GPU also takes their -cuda twins)",
    )
    worker.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="log level (info)",
    )
    worker.set_defaults(run=worker_command)
    return parser


def serve_command(args: argparse.Namespace) -> int:
    """Start uvicorn on create_app() with the settings the flags and environment give."""
    import uvicorn
    from pydantic import ValidationError

    from app.config import get_settings

    # Flags become GRADTRACE_* variables rather than constructor arguments, so that every
    # get_settings() call in the process (not only create_app's) sees the same values.
    for name in ("host", "port", "workers"):
        value = getattr(args, name)
        if value is not None:
            os.environ[f"GRADTRACE_{name.upper()}"] = str(value)
    get_settings.cache_clear()
    try:
        settings = get_settings()
    except ValidationError as error:
        print(f"gradtrace: invalid setting:\n{error}", file=sys.stderr)
        return 2

    from app.main import create_app

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=args.log_level,
        server_header=False,  # no "Server: uvicorn" banner to fingerprint
    )
    return 0


def worker_command(args: argparse.Namespace) -> int:
    """Start a Celery worker for the Redis in GRADTRACE_REDIS_URL (scale-out mode only)."""
    from pydantic import ValidationError

    from app.config import get_settings

    get_settings.cache_clear()
    try:
        settings = get_settings()
    except ValidationError as error:
        print(f"gradtrace: invalid setting:\n{error}", file=sys.stderr)
        return 2
    if not settings.redis_url:
        print(
            "gradtrace worker: GRADTRACE_REDIS_URL is needed (e.g. redis://localhost:6379/0); "
            "without it, `gradtrace serve` runs jobs in its own worker processes",
            file=sys.stderr,
        )
        return 2
    queues = [q.strip() for q in args.queues.split(",") if q.strip()] if args.queues else None
    from app.jobs.celery.engine import QUEUES

    unknown = sorted(set(queues or ()) - set(QUEUES))
    if unknown:
        print(f"gradtrace worker: unknown queue(s) {unknown}; use {list(QUEUES)}", file=sys.stderr)
        return 2

    from app.jobs.celery.worker import run_worker

    return run_worker(settings, queues, args.concurrency, args.log_level)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gradtrace`` console script."""
    args = build_parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
