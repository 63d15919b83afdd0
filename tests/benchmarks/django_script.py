"""Django set up for a benchmark run as a script from the repository root."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def django_setup(database: str) -> Path:
    """Put the repository on the path and set Django up on the project's settings, with a
    SQLite file of this name under var/ unless ``DATABASE_URL`` names another; returns it."""
    sys.path.insert(0, str(ROOT))
    path = ROOT / "var" / database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.project.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{path}")
    import django

    django.setup()
    return path
