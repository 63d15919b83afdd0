"""Per-battle output addresses: what a browser is given instead of a stored file's name.

An output is stored once under its content hash and reused across battles, so a voter who kept
addresses and reveals would recognise a stored name when it came back. The browser only sees
an address made for one battle and side, signed, leading to the output only for the voter who
holds the battle (and staff).
"""

from __future__ import annotations

import uuid

from django.core import signing
from django.urls import reverse

SIDES = {"l": "left", "r": "right"}
_SIGNER = signing.Signer(salt="arena.output-address")


def output_address(battle, side: str) -> str:
    """The URL of one side (``left`` or ``right``) of a battle, for this battle alone."""
    code = side[0]
    if SIDES.get(code) != side:
        raise ValueError(f"unknown side {side!r}")
    return reverse("arena:output", args=[_SIGNER.sign(f"{battle.token.hex}{code}")])


def output_address_read(signed: str) -> tuple[uuid.UUID, str] | None:
    """(battle token, side) from an address, or None when it was not made here."""
    try:
        value = _SIGNER.unsign(signed)
    except signing.BadSignature:
        return None
    if len(value) != 33 or value[-1] not in SIDES:
        return None
    try:
        return uuid.UUID(hex=value[:32]), SIDES[value[-1]]
    except ValueError:
        return None
