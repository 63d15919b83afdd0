"""The project's wiring: settings, URLs, the Celery app and the WSGI/ASGI entry points."""
