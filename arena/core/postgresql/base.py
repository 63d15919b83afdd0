"""Django's PostgreSQL backend, with the connection health check skipped while it is busy.

With ``CONN_HEALTH_CHECKS`` Django asks the server ``SELECT 1`` before the first query of
every request that reuses a connection, so that a connection broken while it sat idle (the
server restarted, a firewall dropped it) is replaced instead of failing the request. On a busy
server that is a round trip per request to learn what the previous request has just shown.
Here a connection that finished a request without a database error less than
``HEALTH_CHECK_AFTER_IDLE`` seconds ago is trusted without asking.

If the server goes away within that second, the next request on the connection fails like any
request during an outage (503, see :mod:`arena.core.errors`), Django closes the connection at the
end of that request, and the one after connects anew.
"""

from __future__ import annotations

import time

from django.db.backends.postgresql import base

# Seconds after a request's last successful use of a connection during which the next request
# skips the health check.
HEALTH_CHECK_AFTER_IDLE = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    # When a request last finished with this connection and no database error.
    _used_at = float("-inf")
    # Whether the current request has asked for a cursor.
    _in_use = False

    def close_if_health_check_failed(self):
        # Django calls this before every cursor and transaction it hands out.
        self._in_use = True
        if (
            self.connection is not None
            and not self.health_check_done
            and time.monotonic() - self._used_at < HEALTH_CHECK_AFTER_IDLE
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close_if_unusable_or_obsolete(self):
        # Django calls this as each request starts and as it ends.
        if self._in_use and self.connection is not None and not self.errors_occurred:
            self._used_at = time.monotonic()
        self._in_use = False
        super().close_if_unusable_or_obsolete()
