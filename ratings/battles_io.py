"""The public arena battle format: JSON lines with model_a, model_b, winner and optional fields
(docs/ratings.md, "At the terminal, and the battle format").

Every exported line has an ``id``; an import skips an id it already holds (a line without one is
keyed by its content), so importing a file again, in any order, adds nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

WINNERS = {"model_a": "left", "model_b": "right", "tie": "tie", "tie (bothbad)": "both_bad"}
CHOICE_TO_WINNER = {choice: winner for winner, choice in WINNERS.items()}
MAX_NAME = 100
MAX_ID = 64  # the column an imported vote's key is stored in
# JSON may spell them (\u0000, \ud800); no database column can store them.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
KINDS = ("generate", "edit")
SHA256 = re.compile(r"[0-9a-f]{64}")


class BattleLineError(ValueError):
    pass


@dataclass(frozen=True)
class BattleLine:
    model_a: str
    model_b: str
    choice: str
    category: str
    tstamp: datetime | None
    judge: str
    question_id: str
    kind: str = "generate"
    source_sha256: str = ""
    id: str = ""

    def _canonical(self) -> list[str]:
        canonical = [
            self.model_a, self.model_b, self.choice, self.category,
            self.tstamp.isoformat() if self.tstamp else "", self.judge, self.question_id,
        ]  # fmt: skip
        if self.kind != "generate":  # generation lines keep the keys they always had
            canonical += [self.kind, self.source_sha256]
        if self.id:
            canonical.append(self.id)
        return canonical

    @property
    def content_hash(self) -> int:
        """64 bits of the line's content, to number identical lines within a file."""
        digest = hashlib.sha256(json.dumps(self._canonical()).encode()).digest()
        return int.from_bytes(digest[:8], "big")

    def import_key(self, occurrence: int = 0) -> str:
        """Same battle, same key: the line's ``id``, else a hash of its content and its
        ``occurrence`` among identical lines of the file (0 keeps the key it had before repeats
        were numbered), so a file where one pairing and outcome repeat keeps every line."""
        if self.id:
            return self.id
        canonical = self._canonical() + ([str(occurrence)] if occurrence else [])
        return hashlib.sha256(json.dumps(canonical).encode()).hexdigest()


def _text(record: dict, field: str, *, required: bool, limit: int = 200) -> str:
    value = record.get(field)
    if value is None:
        if required:
            raise BattleLineError(f"missing {field!r}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BattleLineError(f"{field!r} must be a string")
    value = str(value).strip()
    if (bad := UNSTORABLE.search(value)) is not None:
        kind = "a NUL character" if bad.group() == "\x00" else "a lone surrogate"
        raise BattleLineError(f"{field!r} contains {kind}, which cannot be stored")
    if required and not value:
        raise BattleLineError(f"{field!r} is empty")
    if len(value) > limit:
        raise BattleLineError(f"{field!r} is longer than {limit} characters")
    return value


def _timestamp(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BattleLineError("'tstamp' must be Unix seconds or an ISO 8601 time")
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(float(value), tz=UTC)
        parsed = datetime.fromisoformat(str(value))
    except (ValueError, OverflowError, OSError):
        raise BattleLineError("'tstamp' must be Unix seconds or an ISO 8601 time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_line(text: str) -> BattleLine:
    """Parse and check one line; raises ``BattleLineError`` saying what is wrong."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BattleLineError(f"not valid JSON ({exc.msg})") from None
    except RecursionError:  # the parser recurses once per bracket
        raise BattleLineError("not valid JSON (nested too deeply)") from None
    if not isinstance(record, dict):
        raise BattleLineError("not a JSON object")
    model_a = _text(record, "model_a", required=True, limit=MAX_NAME)
    model_b = _text(record, "model_b", required=True, limit=MAX_NAME)
    if model_a == model_b:
        raise BattleLineError("model_a and model_b are the same model")
    winner = record.get("winner")
    if winner not in WINNERS:
        raise BattleLineError(f"'winner' must be one of {', '.join(WINNERS)}; got {winner!r}")
    kind, source = _edit_fields(record)
    return BattleLine(
        model_a=model_a,
        model_b=model_b,
        choice=WINNERS[winner],
        category=_text(record, "category", required=False, limit=MAX_NAME),
        tstamp=_timestamp(record.get("tstamp")),
        judge=_text(record, "judge", required=False),
        question_id=_text(record, "question_id", required=False),
        kind=kind,
        source_sha256=source,
        id=_text(record, "id", required=False, limit=MAX_ID),
    )


def _edit_fields(record: dict) -> tuple[str, str]:
    kind = record.get("kind", "generate")
    if kind not in KINDS:
        raise BattleLineError(f"'kind' must be one of {', '.join(KINDS)}; got {kind!r}")
    source = record.get("source_sha256", "")
    if kind == "generate":
        if source:
            raise BattleLineError("'source_sha256' belongs to edit battles ('kind': 'edit')")
        return kind, ""
    if not isinstance(source, str) or not SHA256.fullmatch(source):
        raise BattleLineError("an edit battle needs 'source_sha256': 64 lower-case hex digits")
    return kind, source


def battle_record(
    *,
    model_a: str,
    model_b: str,
    choice: str,
    category: str | None,
    tstamp: datetime,
    judge: str,
    question_id: str,
    uid: str,
    source_sha256: str = "",
) -> dict[str, Any]:
    """One vote as a line of the public format, with its stable id (``uid``); an edit's
    carries its source image's hash."""
    record: dict[str, Any] = {
        "model_a": model_a,
        "model_b": model_b,
        "winner": CHOICE_TO_WINNER[choice],
        "tstamp": round(tstamp.timestamp(), 3),
    }
    optional = {"category": category, "judge": judge, "question_id": question_id}
    record.update((field, value) for field, value in optional.items() if value)
    if source_sha256:
        record.update(kind="edit", source_sha256=source_sha256)
    record["id"] = uid
    return record
