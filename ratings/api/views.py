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
from drf_spectacular.utils import extend_schema, extend_schema_view
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


def _query(serializer_class, request) -> dict:
    """The request's query checked by a serializer; a bad one answers 400 naming the field."""
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


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
    """Page numbers; a bad ``page_size`` is an error, not silently the default."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and (not raw.isdigit() or int(raw) < 1):
            raise ValidationError({"page": ["Must be a whole number from 1."]})
        return super().get_page_number(request, paginator)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {"page_size": [f"Must be a whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            limits = {"minimum": 1}
            if parameter["name"] == self.page_size_query_param:
                limits["maximum"] = self.max_page_size
            parameter["schema"].update(limits)
        return parameters


@extend_schema_view(get=extend_schema(
    operation_id="categories", summary="List the categories", tags=["Catalogue"],
    responses=schemas.with_errors(schemas.CategorySerializer(many=True), schemas.PAGED_ERRORS),
))  # fmt: skip
class CategoryList(generics.ListAPIView):
    """Prompt categories; each has its own leaderboard."""

    queryset = Category.objects.order_by("name")
    serializer_class = schemas.CategorySerializer
    pagination_class = Pages


@extend_schema_view(get=extend_schema(
    operation_id="generators", summary="List the generators", tags=["Catalogue"],
    responses=schemas.with_errors(schemas.GeneratorSerializer(many=True), schemas.PAGED_ERRORS),
))  # fmt: skip
class GeneratorList(generics.ListAPIView):
    """Generators with their public fields (never keys or endpoints)."""

    queryset = Generator.objects.order_by("name")
    serializer_class = schemas.GeneratorSerializer
    pagination_class = Pages


class LeaderboardList(APIView):
    """The newest leaderboard of every board: overall first, then each category."""

    @extend_schema(
        operation_id="leaderboards",
        summary="Every board, newest snapshot",
        tags=["Leaderboards"],
        responses=schemas.with_errors(schemas.PagedBoardsSerializer, schemas.PAGED_ERRORS),
        parameters=[schemas.PageQuerySerializer],
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


@extend_schema_view(
    get=extend_schema(
        operation_id="leaderboard",
        summary="One board",
        tags=["Leaderboards"],
        responses=schemas.with_errors(schemas.BoardSerializer, schemas.NOT_FOUND),
    )
)
class LeaderboardDetail(_SnapshotView):
    """One board ('overall' for all votes): a row per generator, with the snapshot's facts."""

    name = "board"

    def payload(self, snapshot) -> dict:
        return board_payload(snapshot)


@extend_schema_view(
    get=extend_schema(
        operation_id="matrix",
        summary="Pairwise matrices of a board",
        tags=["Leaderboards"],
        responses=schemas.with_errors(schemas.MatrixSerializer, schemas.NOT_FOUND),
    )
)
class Matrix(_SnapshotView):
    """Pairwise observed win rates, battle counts and predicted win probabilities."""

    name = "matrix"

    def payload(self, snapshot) -> dict:
        return matrix_payload(snapshot)


class Route(APIView):
    """The generator to use for a category, with alternatives and how sure the arena is."""

    @extend_schema(
        operation_id="route",
        summary="Which generator to use",
        tags=["Routing"],
        responses=schemas.with_errors(
            schemas.RouteSerializer,
            {**schemas.NOT_FOUND, 400: schemas.ValidationErrorSerializer},
        ),
        parameters=[schemas.RouteQuerySerializer],
    )
    def get(self, request):
        query = _query(schemas.RouteQuerySerializer, request)
        category = _category(query.get("category"))
        max_cost, count = query.get("max_cost"), query["alternatives"]
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
        operation_id="battles_export",
        summary="Export the votes as battles",
        tags=["Export"],
        responses={
            (200, "application/x-ndjson"): OpenApiTypes.STR,
            **schemas.NOT_FOUND,
            400: schemas.ValidationErrorSerializer,
        },
        parameters=[schemas.CategoryQuerySerializer],
    )
    def get(self, request):
        category = _category(_query(schemas.CategoryQuerySerializer, request).get("category"))
        lines = (json.dumps(record) + "\n" for record in battle_records(category=category))
        response = StreamingHttpResponse(lines, content_type="application/x-ndjson")
        response["Content-Disposition"] = 'attachment; filename="battles.jsonl"'
        return response
