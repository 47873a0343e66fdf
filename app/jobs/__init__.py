"""Jobs: running programs and training runs in warm, fenced worker processes.

Grouped by where the code runs:

* ``protocol.py`` (web process): ``JobBackend`` and ``RunManager``, the interfaces both backends
  implement and routes annotate; their errors; the two job kinds (programs, runs) and their
  settings;
* ``worker/`` (inside a worker process, under either backend): the fence, the initializer and
  the job functions themselves;
* ``local/`` (web process, embedded mode, the default): pebble pools of warm workers and the run
  manager over them;
* ``celery/`` (scale-out, ``GRADTRACE_REDIS_URL`` set): Celery on Redis; the web replica's
  backend and run manager, and ``gradtrace worker``.

Import from the modules: the package files stay empty because a worker imports
``app.jobs.worker`` before its fence is up, and must not pull in torch (via ``app.lang``) or
Celery that early.
"""
