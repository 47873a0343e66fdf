"""The scale-out backend (``GRADTRACE_REDIS_URL`` set): Celery on Redis.

In a web replica: ``services.py`` (what the lifespan starts), ``backend.py`` (``CeleryJobs``,
the ``JobBackend``), ``results.py`` (job results over Redis pub/sub), ``run_manager.py``
(``CeleryRunManager``). In ``gradtrace worker``: ``worker.py``. Both: ``engine.py`` (the Celery
app, its queues and the catalogue of jobs), ``lease.py`` (run leases in Redis) and
``registry.py`` (live workers in Redis).

Imported only in scale-out mode: an embedded server never loads Celery or redis-py.
"""
