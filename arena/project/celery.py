"""The Celery application; configured from Django settings under the CELERY_ namespace."""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery
from celery.signals import beat_init, before_task_publish, task_prerun, worker_init
from django.db import close_old_connections

from arena.project.warm import warm

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.project.settings")

app = Celery("arena")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _check_database_connection(task=None, **kwargs) -> None:
    # Connections are kept between tasks (CELERY_DB_REUSE_MAX); like a web request, each task
    # drops one that is broken or too old first, so a database restart costs one reconnect.
    # In-process tasks run inside a request, which already did this.
    if task is not None and not task.request.is_eager:
        close_old_connections()


@worker_init.connect
def _warm(**kwargs) -> None:
    # Before the pool starts, so that its processes share what was loaded (see warm.py).
    warm()


@worker_init.connect
@beat_init.connect
@before_task_publish.connect
def _make_broker_folder(**kwargs) -> None:
    # The embedded broker is a SQLite file (see settings); SQLite makes the file but not its
    # folder. Made here, not in settings, so importing the settings writes nothing.
    url = app.conf.broker_url or ""
    if url.startswith("sqla+sqlite:///"):
        Path(url.removeprefix("sqla+sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
