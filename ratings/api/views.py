"""The versioned REST API under /api/v1/: thin views over ratings.payloads and routing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.views import APIView

from arena.models import Category
from generation.models import Generator
from ratings.api import schemas
from ratings.payloads import CACHE_SECONDS, board_payload, boards_latest, matrix_payload
from ratings.routing import route
from ratings.selectors import UnknownBoard, battle_records, board_category, snapshot_latest


def _category(slug: str | None) -> Category | None:
    try:
        return board_category(slug)
    except UnknownBoard as exc:
        raise NotFound(str(exc)) from None


def _latest(category: Category | None):
    snapshot = snapshot_latest(category=category)
    if snapshot is None:
        name = "overall" if category is None else category.slug
        raise NotFound(f"No leaderboard for {name!r} has been computed yet.")
    return snapshot


def conditional_json(request, build: Callable[[], dict], *, cache_key: str, modified=None):
    """JSON with an ETag (and Last-Modified); answers 304 when the client's copy is current.

    ``build`` runs only when the body is not cached under ``cache_key`` already.
    """
    cached = cache.get(cache_key)
    if cached is None:
        body = json.dumps(build(), separators=(",", ":")).encode()
        cached = (body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
        cache.set(cache_key, cached, CACHE_SECONDS)
    body, etag = cached
    timestamp = modified.timestamp() if modified else None
    response = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if response is None:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    if timestamp is not None:
        response["Last-Modified"] = http_date(timestamp)
    response["Cache-Control"] = "private, no-cache"
    return response


class Pages(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class CategoryList(generics.ListAPIView):
    """Prompt categories; each has its own leaderboard."""

    queryset = Category.objects.order_by("name")
    serializer_class = schemas.CategorySerializer
    pagination_class = Pages


class GeneratorList(generics.ListAPIView):
    """Generators with their public fields (never keys or endpoints)."""

    queryset = Generator.objects.order_by("name")
    serializer_class = schemas.GeneratorSerializer
    pagination_class = Pages


class LeaderboardList(APIView):
    """The newest leaderboard of every board: overall first, then each category."""

    @extend_schema(
        operation_id="leaderboards_list",
        responses=schemas.PagedBoardsSerializer,
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
    )
    def get(self, request):
        paginator = Pages()
        snapshots = paginator.paginate_queryset(boards_latest(), request, view=self)
        return paginator.get_paginated_response([board_payload(s) for s in snapshots])


class _SnapshotView(APIView):
    """A view of a board's newest snapshot, cached per snapshot and answered conditionally."""

    name = ""

    def payload(self, snapshot) -> dict:
        raise NotImplementedError

    def get(self, request, category: str):
        snapshot = _latest(_category(category))
        return conditional_json(
            request,
            lambda: self.payload(snapshot),
            cache_key=f"api:{self.name}:{snapshot.id}",
            modified=snapshot.computed_at,
        )


@extend_schema_view(get=extend_schema(responses=schemas.BoardSerializer))
class LeaderboardDetail(_SnapshotView):
    """One board ('overall' for all votes): a row per generator, with the snapshot's facts."""

    name = "board"

    def payload(self, snapshot) -> dict:
        return board_payload(snapshot)


@extend_schema_view(get=extend_schema(responses=schemas.MatrixSerializer))
class Matrix(_SnapshotView):
    """Pairwise observed win rates, battle counts and predicted win probabilities."""

    name = "matrix"

    def payload(self, snapshot) -> dict:
        return matrix_payload(snapshot)


def _alternatives(raw: str | None) -> int:
    if raw in (None, ""):
        return 10
    if not raw.isdigit() or int(raw) > 1000:
        raise ValidationError({"alternatives": "Must be a whole number from 0 to 1000."})
    return int(raw)


def _max_cost(raw: str | None) -> float | None:
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise ValidationError({"max_cost": "Must be a non-negative number of dollars."})
    return value


class Route(APIView):
    """The generator to use for a category, with alternatives and how sure the arena is."""

    @extend_schema(
        responses=schemas.RouteSerializer,
        parameters=[
            OpenApiParameter("category", str, description="Category slug; omit for overall."),
            OpenApiParameter("max_cost", float, description="Best generator within this cost."),
            OpenApiParameter("alternatives", int, description="How many runners-up (10)."),
        ],
    )
    def get(self, request):
        category = _category(request.query_params.get("category"))
        max_cost = _max_cost(request.query_params.get("max_cost"))
        count = _alternatives(request.query_params.get("alternatives"))
        board = snapshot_latest(category=category)
        overall = snapshot_latest(category=None) if category else board
        # The answer depends on nothing but these two snapshots and the question.
        key = "api:route:{}:{}:{}:{}:{}".format(
            category.id if category else "overall",
            max_cost,
            count,
            board.id if board else 0,
            overall.id if overall else 0,
        )
        return conditional_json(
            request,
            lambda: route(category=category, max_cost=max_cost, alternatives=count),
            cache_key=key,
            modified=board.computed_at if board else None,
        )


class BattlesExport(APIView):
    """Votes as JSON lines in the public arena battle format, streamed."""

    @extend_schema(
        responses={(200, "application/x-ndjson"): OpenApiTypes.STR},
        parameters=[OpenApiParameter("category", str, description="Only this category.")],
    )
    def get(self, request):
        category = _category(request.query_params.get("category"))
        lines = (json.dumps(record) + "\n" for record in battle_records(category=category))
        response = StreamingHttpResponse(lines, content_type="application/x-ndjson")
        response["Content-Disposition"] = 'attachment; filename="battles.jsonl"'
        return response
