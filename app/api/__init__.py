"""HTTP routes, one module per resource, and what they share.

Routes: ``graph.py``, ``runs.py``, ``pages.py``, ``health.py``. Shared: ``deps.py`` (the
dependencies routes annotate), ``envelope.py`` (the error envelope), ``responses.py`` (strict
JSON out), ``handlers.py`` (exceptions into the envelope), ``body_guard.py`` and
``ratelimit.py`` (the middleware). Routes stay thin: validate (pydantic), hand the work to a
job, shape the response.
"""
