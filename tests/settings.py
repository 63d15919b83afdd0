"""Test settings: the real settings module, with test-only speed-ups and isolated media."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")

from arena.project.settings import *  # noqa: F403

# Every test but the worker tests runs tasks in-process; those switch the app themselves.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True  # a bug in a task fails the test that ran it
MEDIA_ROOT = tempfile.mkdtemp(prefix="arena-test-media-")
STATIC_ROOT = tempfile.mkdtemp(prefix="arena-test-static-")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HTTPS = False
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ARENA_BATTLE_BUFFER = 2
# No decoy battles unless a test asks for them: most tests count the votes they cast.
ARENA_DECOY_RATE = 0.0
ARENA_DECOY_RATE_NEW = 0.0
ARENA_DECOY_RATE_DOUBT = 0.0
# A small canonical box keeps in-process generation fast; tests of the size set their own.
ARENA_OUTPUT_SIZE = (256, 256)
