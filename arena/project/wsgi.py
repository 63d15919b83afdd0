"""WSGI entry point (gunicorn arena.project.wsgi)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from arena.project.warm import warm

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.project.settings")
application = get_wsgi_application()
warm()
