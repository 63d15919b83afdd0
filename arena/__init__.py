"""The arena app (categories, prompts, battles, votes, matchmaking, voting pages).

Beside it: ``arena.project``, the project's wiring (settings, URLs, the Celery app, WSGI/ASGI),
and ``arena.core``, plumbing the apps share. The Celery app is loaded here so that
``celery -A arena`` finds it and shared tasks bind to it when Django starts.
"""

from __future__ import annotations

from arena.project.celery import app as celery_app

__all__ = ["celery_app"]
