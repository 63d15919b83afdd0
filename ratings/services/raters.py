"""Voters' standing: the tests of :mod:`ratings.engine.raters` run on each voter's record
(docs/voters.md). An exclusion is kept once reached (the error rate bounds the chance of
*ever* crossing); staff's hand decisions hold over the tests until released.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from arena.models import DecoyCheck, Vote, VoterStanding
from generation.models import Generator
from ratings.engine.raters import TESTS, Thresholds, standing, voter_evidence
from ratings.models import Snapshot
from ratings.selectors import rating_points

EXCLUDED = VoterStanding.State.EXCLUDED
# The promoter test's e-value from which the generator it names is the voter's ``suspect``.
SUSPECT_LEVEL = 2.0
CHOICES = {"left": 0, "right": 1, "tie": 2, "both_bad": 3}


def thresholds() -> Thresholds:
    return Thresholds(
        attentive=settings.RATERS_ATTENTIVE_FAILURE,
        error_rate=settings.RATERS_ERROR_RATE,
        review_rate=settings.RATERS_REVIEW_RATE,
    )


def _excluded_ids() -> QuerySet:
    return VoterStanding.objects.filter(state=EXCLUDED).values("voter_id")


def counted_voters(votes: QuerySet) -> QuerySet:
    """``votes`` less those of excluded voters (imported votes have no voter and stay)."""
    return votes.exclude(voter_id__in=_excluded_ids())


def excluded_voter_votes(votes: QuerySet) -> dict:
    """How many of ``votes`` belong to excluded voters, in all and by each voter's first reason."""
    rows = (
        votes.filter(voter_id__in=_excluded_ids())
        .values("voter__standing__by_hand", "voter__standing__reason_keys")
        .annotate(n=Count("id"))
        .order_by()
    )
    reasons: dict[str, int] = defaultdict(int)
    for row in rows:
        keys = row["voter__standing__reason_keys"] or ["hand"]
        reasons["hand" if row["voter__standing__by_hand"] else keys[0]] += row["n"]
    return {"votes": sum(reasons.values()), "reasons": dict(sorted(reasons.items()))}


def _predictions() -> dict[int, tuple[dict[int, float], float]]:
    """Per category: {generator id: strength in natural-log units} and the left advantage,
    from its newest snapshot."""
    newest = (
        Snapshot.objects.filter(category__isnull=False)
        .values("category_id")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    out = {}
    for snapshot in Snapshot.objects.filter(id__in=list(newest)).defer("matrices"):
        points = rating_points(snapshot.parameters)
        rows = snapshot.rows.filter(rated=True).values_list("generator_id", "rating")
        strengths = {gid: rating / points for gid, rating in rows}
        out[snapshot.category_id] = (strengths, (snapshot.position or 0.0) / points)
    return out


def _records(index: dict[int, int]) -> dict[int, list[tuple]]:
    """Per voter, events as (when, decoy, failed, choice, delta, left, right, time in ms)."""
    records: dict[int, list[tuple]] = defaultdict(list)
    predict = _predictions()
    votes = Vote.objects.filter(voter__isnull=False, voided_at__isnull=True).values_list(
        "voter_id", "created_at", "category_id", "shown_left_id", "shown_right_id", "choice",
        "time_to_vote_ms",
    )  # fmt: skip
    for voter, when, category, left, right, choice, ms in votes.order_by("id").iterator():
        strengths, position = predict.get(category, ({}, 0.0))
        delta = math.nan
        if left in strengths and right in strengths:
            delta = strengths[left] - strengths[right] + position
        sides = index.get(left, -1), index.get(right, -1)
        records[voter].append((when, False, False, CHOICES[choice], delta, *sides, ms))
    checks = DecoyCheck.objects.values_list("voter_id", "created_at", "passed").order_by("id")
    for voter, when, passed in checks.iterator():
        records[voter].append((when, True, not passed, 2, math.nan, -1, -1, None))
    return records


def _arrays(events: list[tuple]) -> dict:
    """The engine's arrays of a voter's events, in time order (a vote before a decoy check)."""
    in_order = sorted(events, key=lambda event: event[:2])
    _, decoy, failed, choice, delta, left, right, _ = zip(*in_order, strict=True)
    return {
        "decoy": np.array(decoy, dtype=bool),
        "failed": np.array(failed, dtype=bool),
        "choice": np.array(choice, dtype=int),
        "delta": np.array(delta, dtype=float),
        "left": np.array(left, dtype=int),
        "right": np.array(right, dtype=int),
    }


def _figures(arrays: dict, times: list) -> dict:
    """What the audit shows of a voter, besides the tests."""
    from scipy.special import expit

    votes = ~arrays["decoy"]
    decisive = votes & (arrays["choice"] <= 1)
    delta = arrays["delta"]
    judged = decisive & ~np.isnan(delta) & (delta != 0)
    chose_left = arrays["choice"] == 0
    agreed = chose_left[judged] == (delta[judged] > 0)
    spent = [ms for ms in times if ms is not None]
    return {
        "votes": int(votes.sum()),
        "decoys_checked": int(arrays["decoy"].sum()),
        "decoys_passed": int((arrays["decoy"] & ~arrays["failed"]).sum()),
        "left_share": float(chose_left[decisive].mean()) if decisive.any() else None,
        "agreement": float(agreed.mean()) if judged.any() else None,
        "expected_agreement": float(expit(np.abs(delta[judged])).mean()) if judged.any() else None,
        "median_time_ms": float(np.median(spent)) if spent else None,
    }


def _reasons(e_values: dict, figures: dict, promoted: str | None, state: str, t) -> list:
    """(test, words) for each test with evidence, strongest first."""
    level = 1.0 / t.review_rate
    strong = sorted((k for k in TESTS if e_values[k] >= level), key=lambda k: -e_values[k])
    if state == EXCLUDED and not strong:
        strong = [max(TESTS, key=lambda k: e_values[k])]
    words = {
        "decoys": f"failed {figures['decoys_checked'] - figures['decoys_passed']} of "
        f"{figures['decoys_checked']} decoys (attentive voters fail at most {t.attentive:.0%})",
        "side": f"chose the left side in {_share(figures['left_share'])} of decisive votes",
        "agreement": f"agreed with the board in {_share(figures['agreement'])} of votes, where "
        f"the team would in {_share(figures['expected_agreement'])}",
        "promoter": f"backed {promoted or 'one generator'} far beyond what the board predicts",
    }
    return [(k, f"{words[k]} (e-value {e_values[k]:,.0f})") for k in strong]


def _share(value: float | None) -> str:
    return "\u2013" if value is None else f"{value:.0%}"


def _tested(voter_id: int, events: list[tuple], generators: list[tuple], t: Thresholds) -> dict:
    arrays = _arrays(events)
    evidence = voter_evidence(**arrays, thresholds=t)
    e_values = evidence.final()
    state = standing(evidence, t)
    figures = _figures(arrays, [event[-1] for event in events])
    named = generators[evidence.promoted] if evidence.promoted is not None else (None, None)
    promoted = named[1]
    # While the promoter test has some evidence, the voter's decoys test it (arena.services.decoys).
    suspect = named[0] if e_values["promoter"] >= SUSPECT_LEVEL else None
    reasons = _reasons(e_values, figures, promoted, state, t)
    combined = float(np.exp(evidence.combined[-1])) if evidence.combined.size else 1.0
    return {
        **figures,
        "tested_state": state,
        "evidence": combined,
        "e_values": {k: round(v, 4) for k, v in e_values.items()},
        "reason_keys": [k for k, _ in reasons],
        "reasons": [w for _, w in reasons],
        "suspect_id": suspect,
    }


FIELDS = ["tested_state", "evidence", "e_values", "reason_keys", "reasons", "votes",
          "decoys_checked", "decoys_passed", "left_share", "agreement", "expected_agreement",
          "median_time_ms", "tested_at", "state", "suspect"]  # fmt: skip


def standings_refresh() -> int:
    """Run the tests on every voter with a vote or a decoy check; how many voters came into or
    out of exclusion. The tests run before the write transaction: on SQLite it holds the one
    write lock, and votes wait for it."""
    t = thresholds()
    generators = list(Generator.objects.order_by("id").values_list("id", "name"))
    index = {gid: k for k, (gid, _) in enumerate(generators)}
    tested = {
        voter_id: _tested(voter_id, events, generators, t)
        for voter_id, events in _records(index).items()
    }
    return _standings_store(tested)


@transaction.atomic
def _standings_store(tested: dict[int, dict]) -> int:
    current = {s.voter_id: s for s in VoterStanding.objects.select_for_update()}
    now, changed, new = timezone.now(), 0, []
    for voter_id, results in tested.items():
        row = current.get(voter_id) or VoterStanding(voter_id=voter_id)
        if row.tested_state == EXCLUDED:
            results = {**results, "tested_state": EXCLUDED}  # once crossed, crossed
        was = row.state
        for key, value in results.items():
            setattr(row, key, value)
        row.tested_at = now
        if not row.by_hand:
            row.state = row.tested_state
        changed += (was == EXCLUDED) != (row.state == EXCLUDED)
        if row.pk is None:
            new.append(row)
    VoterStanding.objects.bulk_update([current[v] for v in tested if v in current], FIELDS)
    VoterStanding.objects.bulk_create(new)
    return changed


class StandingError(ValueError):
    pass


@transaction.atomic
def standing_set(*, voter_id: int, state: str | None, by, reason: str) -> VoterStanding:
    """Staff's decision on a voter: ``ok`` (clear) or ``excluded``, held over the tests; None
    releases the voter to the tests. A reason is required for a decision."""
    reason = " ".join((reason or "").split())
    if state is not None and state not in (VoterStanding.State.OK, EXCLUDED):
        raise StandingError("Staff can clear a voter (ok) or exclude one.")
    if state is not None and not reason:
        raise StandingError("Say why: a hand decision needs a reason.")
    row, _ = VoterStanding.objects.select_for_update().get_or_create(voter_id=voter_id)
    if state is None:
        row.by_hand, row.state, row.hand_reason = False, row.tested_state, ""
    else:
        row.by_hand, row.state, row.hand_reason = True, state, reason[:500]
        if state == EXCLUDED and not row.reason_keys:
            row.reason_keys = ["hand"]
    row.set_by, row.set_by_name, row.set_at = by, getattr(by, "username", ""), timezone.now()
    row.save()
    return row
