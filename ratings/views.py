"""Leaderboard pages for analysts: one tab per board, a table, plots and a CSV download."""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_GET

from arena.models import Category, Kind
from generation.models import Generator
from ratings import plots
from ratings.payloads import board_payload, matrix_payload
from ratings.routing import route
from ratings.selectors import (
    CONTROLS,
    NO_CONTROL,
    OVERALL,
    STYLE,
    UnknownBoard,
    board_category,
    board_kind,
    board_slug,
    rating_history,
    snapshot_latest,
    style_votes,
)

HEATMAP_MODELS = 40
HISTORY_MODELS = 8
CSV_FIELDS = [
    "tier", "rank", "rank_lower", "rank_upper", "generator", "name", "rating", "ci_lower",
    "ci_upper", "elo", "votes", "wins", "losses", "ties", "win_rate", "p_best", "enough_votes",
    "median_latency_ms", "price_per_output", "mean_cost", "regret_bound",
    "votes_excluded_flagged", "votes_excluded_void", "votes_excluded_both_bad",
    "votes_excluded_voter", "votes_to_flip",
]  # fmt: skip


def _board(request: HttpRequest, slug: str):
    """The board a page asks for: a category's, or the overall board of ``?kind=``."""
    try:
        category = board_category(slug)
        kind = board_kind(category, request.GET.get("kind"))
    except UnknownBoard as exc:
        raise Http404(str(exc)) from None
    return category, kind, snapshot_latest(category=category, kind=kind)


PHONE_PLOT_WIDTH = 220  # px: with labels, a plot fits a 390 px screen


def _plots(category, kind: str, snapshot, payload: dict, show_all: bool) -> dict:
    matrix = matrix_payload(snapshot)
    # The board may be cached from before a generator's slug changed; the matrices are read
    # fresh. A row they do not name is left out of the heatmaps rather than failing the page.
    position = {slug: i for i, slug in enumerate(matrix["generators"])}
    rated = [r for r in payload["rows"] if r["rated"] and r["generator"] in position]
    keep = rated if show_all else rated[:HEATMAP_MODELS]
    order = [position[r["generator"]] for r in keep]
    names = [r["name"] for r in keep]

    def square(name: str) -> list[list]:
        return [[matrix[name][i][j] for j in order] for i in order]

    top = {r["generator"]: r["name"] for r in rated[:HISTORY_MODELS]}
    ids = dict(Generator.objects.filter(slug__in=top).values_list("id", "slug"))
    series: dict[str, list] = {name: [] for name in top.values()}
    history = rating_history(category=category, kind=kind, generator_ids=list(ids))
    for when, gid, rating in history:
        series[top[ids[gid]]].append((when, rating))
    rates = {"diverging": True, "percent": True}
    return {
        # Drawn twice, for a wide and a narrow screen: plots are never scaled (text stays
        # readable), so a phone gets its own narrower drawing instead.
        "forest": plots.forest(payload["rows"]),
        "forest_narrow": plots.forest(payload["rows"], plot_width=PHONE_PLOT_WIDTH),
        "win_rate": plots.heatmap(square("win_rate"), names, title="Observed win rate", **rates),
        "predicted": plots.heatmap(square("predicted"), names, title="Predicted win", **rates),
        "counts": plots.heatmap(
            square("counts"), names, title="Battles per pair", diverging=False, percent=False
        ),
        "history": plots.history(series),
        "history_narrow": plots.history(series, plot_width=PHONE_PLOT_WIDTH),
        "truncated": len(rated) > len(keep),
        "rated_count": len(rated),
    }


def board_link(slug: str | None, kind: str) -> str:
    """The team board's address: a category's (``slug``), or the overall board of ``kind``."""
    if slug is not None:
        return reverse("ratings:board", args=[slug])
    overall = reverse("ratings:overall")
    return overall if kind == Kind.GENERATE else f"{overall}?kind={kind}"


def board_tabs(category: Category | None, kind: str, link=board_link) -> list[dict]:
    """Generation boards, then edit boards, each kind's overall board first; edits marked.

    ``link(slug, kind)`` gives a tab's address (the team boards', or a voter's own).
    """
    rows = Category.objects.order_by("name").values_list("id", "slug", "name", "kind")
    tabs = []
    for of, label in ((Kind.GENERATE, "Overall"), (Kind.EDIT, "Overall (edit)")):
        current = category is None and kind == of
        tabs.append({"url": link(None, of), "name": label, "current": current})
        tabs += [
            {
                "url": link(slug, of),
                "name": f"{name} (edit)" if of == Kind.EDIT else name,
                "current": category is not None and category.id == cid,
            }
            for cid, slug, name, its_kind in rows
            if its_kind == of
        ]
    return tabs


def _csv_url(category: Category | None, kind: str) -> str:
    url = reverse("ratings:csv", args=[board_slug(category)])
    return f"{url}?kind={kind}" if category is None and kind != Kind.GENERATE else url


def _control(request: HttpRequest) -> str | None:
    """The view asked for (``?control=``): plain (``none``, the default) or ``style``."""
    control = request.GET.get("control", NO_CONTROL)
    return control if control in CONTROLS else None


def _view_urls(request: HttpRequest) -> dict[str, str]:
    """This page as the plain and as the style-controlled view, other parameters kept."""
    query = request.GET.copy()
    query.pop("control", None)
    plain = f"?{query.urlencode()}" if query else "?"
    query["control"] = STYLE
    return {"plain": plain, "style": f"?{query.urlencode()}"}


def _page_context(request: HttpRequest, category, kind: str, snapshot, control: str) -> dict:
    """What both views of a board's page show."""
    return {
        "kind": kind,
        "category": category,
        "snapshot": snapshot,
        "min_votes": settings.RATINGS_MIN_VOTES,
        "control": control,
        "views": _view_urls(request),
    }


@login_required
@require_GET
def leaderboard(request: HttpRequest, slug: str = OVERALL) -> HttpResponse:
    control = _control(request)
    if control is None:
        return HttpResponseBadRequest(
            f"Unknown control {request.GET['control']!r}; use none (the plain board) or style.",
            content_type="text/plain; charset=utf-8",
        )
    category, kind, snapshot = _board(request, slug)
    if control == STYLE and snapshot is not None:
        return _style_view(request, category, kind, snapshot)
    context = {
        **_page_context(request, category, kind, snapshot, control),
        "tabs": board_tabs(category, kind),
        "csv_url": _csv_url(category, kind),
        "heatmap_limit": HEATMAP_MODELS,
    }
    if snapshot is not None:
        payload = board_payload(snapshot)
        excluded = _excluded(payload["votes_excluded"], payload["voters_excluded"])
        context.update(
            board=payload,
            route=route_summary(route(category=category, kind=kind, alternatives=0), payload),
            plots=_plots(category, kind, snapshot, payload, "all" in request.GET),
            excluded=excluded,
            excluded_total=sum(count for count, _ in excluded),
        )
    return render(request, "ratings/leaderboard.html", context)


def _style_view(request: HttpRequest, category, kind: str, plain) -> HttpResponse:
    """The style-controlled board beside the plain one, and what voters reward here."""
    controlled = snapshot_latest(category=category, kind=kind, control=STYLE)
    plain_board = board_payload(plain)
    votes, needed = style_votes(plain)
    tabs = [
        {**tab, "url": tab["url"] + ("&" if "?" in tab["url"] else "?") + "control=style"}
        for tab in board_tabs(category, kind)
    ]
    context = {
        **_page_context(request, category, kind, plain, STYLE),
        "tabs": tabs,
        "plain_board": plain_board,
        "style_votes": votes,
        "style_needed": needed or settings.RATINGS_STYLE_MIN_VOTES,
    }
    if controlled is not None:
        board = board_payload(controlled)
        answer = route(category=category, kind=kind, alternatives=0, control=STYLE)
        context.update(
            board=board,
            controlled=controlled,
            route=route_summary(answer, board),
            effects=board["style"]["features"],
            forest=plots.forest(board["rows"]),
            forest_narrow=plots.forest(board["rows"], plot_width=PHONE_PLOT_WIDTH),
        )
    return render(request, "ratings/leaderboard_style.html", context)


def route_summary(answer: dict, board: dict) -> dict | None:
    """The route's decision in words, for the top of a board's page."""
    pick = answer["recommended"]
    if pick is None:
        return None
    names = {row["generator"]: row["name"] for row in board["rows"]}
    tolerance = answer["tolerance"]
    if answer["decision"] == "confident":
        bound = answer["regret_bound"] or 0.0
        where = f"within {bound:.0f} points of the best" if bound >= 0.5 else "the best"
        status = f"{where} (tolerance {tolerance:g}): confident"
        if answer["votes_to_flip"] is not None:
            flip = answer["votes_to_flip"]
            status += f"; about {_about(flip)} adversarial vote{pluralize(flip)} would undo it"
    elif answer["challenger"]:
        rival = answer["challenger"]
        status = (
            f"not yet: {names.get(rival['generator'], rival['generator'])} may be up to "
            f"{rival['up_to']:.0f} points better (tolerance {tolerance:g})"
        )
        if answer["votes_needed_estimate"]:
            status += f"; about {_about(answer['votes_needed_estimate'])} more votes"
    else:
        status = f"not yet: {answer['reason']}"
    return {
        "pick": pick["name"],
        "status": status,
        "confident": answer["decision"] == "confident",
        "cheapest": _cheapest_words(answer, names),
    }


def _about(votes: int) -> str:
    """A vote estimate to two significant figures: it is an estimate."""
    rounded = int(float(f"{votes:.2g}"))
    return f"{rounded:,}"


def _cheapest_words(answer: dict, names: dict[str, str]) -> str:
    cheapest = answer["good_enough"]["cheapest"]
    if cheapest is None:
        return "No model is known to be good enough yet, so none is known to be cheaper."
    if cheapest == answer["recommended"]["generator"]:
        return "No cheaper model is known to be good enough yet."
    return f"Cheapest good enough: {names.get(cheapest, cheapest)}."


EXCLUDED_WHY = {
    "flagged": "flagged (cast too fast, or before both images had loaded)",
    "void": "voided by staff",
    "both_bad": "“both bad” (left out by RATINGS_BOTH_BAD=drop)",
    "voter": "cast by excluded voters",
}
VOTER_WHY = {
    "decoys": "decoys failed",
    "side": "a side preferred",
    "agreement": "disagreeing with the board",
    "promoter": "promoting a generator",
    "hand": "excluded by staff",
}


def _excluded(counts: dict, voters: dict) -> list[tuple[int, str]]:
    reasons = voters["reasons"]
    why = dict(EXCLUDED_WHY)
    if reasons:
        listed = ", ".join(f"{n} {VOTER_WHY.get(k, k)}" for k, n in reasons.items())
        why["voter"] = f"{why['voter']} ({listed})"
    return [(counts[k], text) for k, text in why.items() if counts.get(k)]


@login_required
@require_GET
def leaderboard_csv(request: HttpRequest, slug: str) -> HttpResponse:
    category, kind, snapshot = _board(request, slug)
    if snapshot is None:
        raise Http404("No leaderboard has been computed for this board yet.")
    name = slug if category is not None or kind == Kind.GENERATE else f"{slug}-{kind}"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="leaderboard-{name}.csv"'
    writer = csv.DictWriter(response, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    board = board_payload(snapshot)
    # What the board left out, on every row: a CSV has no place for the board's own facts.
    excluded = {f"votes_excluded_{k}": v for k, v in board.get("votes_excluded", {}).items()}
    writer.writerows(
        {k: csv_cell(v) for k, v in {**row, **excluded}.items()} for row in board["rows"]
    )
    return response


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading quote.

    Only text is escaped; numbers (a negative rating) stay numbers.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
