"""Signals the generation app sends; the rooms built on it listen, generation imports none of them.

``generation_finished`` (``generation_id``): a generation has reached its end, succeeded or
failed, or a task found it already finished. Sent after the work is stored, outside any lock;
receivers must be idempotent. The arena settles the battles that wait on it.
"""

from __future__ import annotations

from django.dispatch import Signal

generation_finished = Signal()
