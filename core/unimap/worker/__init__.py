"""Sync workers on Procrastinate (PostgreSQL stores): ``unimap worker``, the queue and its schedules.

:mod:`unimap.worker.app` holds the Procrastinate app and its tasks, :mod:`unimap.worker.run` the worker
loop, :mod:`unimap.worker.queue` what ``unimap serve`` and ``unimap jobs`` read and defer.
"""
