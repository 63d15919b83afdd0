"""The arena: the Django project package and the arena app (battles and votes)."""

from __future__ import annotations

from arena.project.celery import app as celery_app

__all__ = ["celery_app"]
