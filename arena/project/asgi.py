"""ASGI entry point."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

from arena.project.warm import warm

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.project.settings")
application = get_asgi_application()
warm()
