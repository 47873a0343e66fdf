"""The embedded backend (the default): pebble pools of warm workers owned by this web process
(``pool.py``), and the run manager that runs training runs in one of them
(``run_manager.py``)."""
