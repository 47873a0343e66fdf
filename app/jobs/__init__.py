"""Running jobs in warm, fenced worker processes (pebble), with time limits and a bounded queue.

Import from the modules (``app.jobs.pool``, ``app.jobs.worker``): this package file stays empty
because a worker imports ``app.jobs.worker`` before its fence is up, and must not pull in torch
(via ``app.jobs.pool`` -> ``app.lang``) that early.
"""
