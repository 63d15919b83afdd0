"""The SQLite-file broker's housekeeping.

kombu's SQLAlchemy transport marks a delivered message invisible and keeps it, so the file
would grow by every task ever queued. A delivered message is never read again (an unacknowledged
one lives in the worker), so deleting the invisible ones is safe.
"""

from __future__ import annotations

SQLALCHEMY_PREFIX = "sqla+"


def broker_is_sqlalchemy(url: str) -> bool:
    return url.startswith(SQLALCHEMY_PREFIX)


def broker_sweep(url: str, *, connect_args: dict | None = None) -> int:
    """Delete the messages the SQLAlchemy broker at ``url`` has delivered; returns how many."""
    # Imported here, not at the top: every process loads the tasks at start, and SQLAlchemy
    # costs a quarter of a second that a command with a Redis broker would pay for nothing.
    from sqlalchemy import create_engine, text

    engine = create_engine(url.removeprefix(SQLALCHEMY_PREFIX), connect_args=connect_args or {})
    try:
        with engine.begin() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kombu_message'")
                if engine.dialect.name == "sqlite"
                else text(
                    "SELECT 1 FROM information_schema.tables WHERE table_name = 'kombu_message'"
                )
            ).first()
            if exists is None:
                return 0
            return connection.execute(
                text("DELETE FROM kombu_message WHERE visible = false")
            ).rowcount
    finally:
        engine.dispose()
