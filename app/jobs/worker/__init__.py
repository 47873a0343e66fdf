"""What runs inside a worker process, whichever backend started it: the OS fence
(``fence.py``), the initializer (``process.py``) and the job functions (``graph_jobs.py``,
``training_jobs.py``).

Nothing here imports torch, ``app.lang`` or a backend at load time (see ``process.py``).
"""
