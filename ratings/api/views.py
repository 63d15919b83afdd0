"""The versioned REST API under /api/v1/: thin views over ratings.payloads and routing."""

from __future__ import annotations

import hashlib
import json

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, pagination
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.views import APIView

from arena.models import Category, Kind
from arena.selectors import category_guess
from generation.models import Generator
from ratings.api import queries, schemas
from ratings.api.auth import CanExport, CanRoute, may_see_names
from ratings.api.strict import StrictQuery
from ratings.payloads import board_payload, boards_latest, matrix_payload
from ratings.prompt_route import prompt_route
from ratings.routing import route
from ratings.selectors import (
    NO_CONTROL,
    TooFewStyleVotes,
    UnknownBoard,
    battle_records,
    board_category,
    board_kind,
    board_name,
    snapshot_in_view,
)


def _category(slug: str | None) -> Category | None:
    try:
        return board_category(slug)
    except UnknownBoard as exc:
        raise NotFound(str(exc)) from None


def _board(slug: str | None, kind: str | None) -> tuple[Category | None, str]:
    """The board's category and kind; a kind that contradicts the category's answers 400."""
    category = _category(slug)
    return category, _kind(category, kind)


def _kind(category: Category | None, kind: str | None) -> str:
    try:
        return board_kind(category, kind)
    except UnknownBoard as exc:
        raise ValidationError({"kind": [str(exc)]}) from None


def _checked(serializer_class, data) -> dict:
    """A query or body checked by a serializer; a bad one answers 400 naming the field."""
    checked = serializer_class(data=data)
    checked.is_valid(raise_exception=True)
    return checked.validated_data


def _latest(category: Category | None, kind: str, control: str = NO_CONTROL):
    try:
        snapshot = snapshot_in_view(category=category, kind=kind, control=control)
    except TooFewStyleVotes as exc:
        raise NotFound(str(exc)) from None
    if snapshot is None:
        raise NotFound(f"No leaderboard for {board_name(category, kind)!r} has been computed yet.")
    return snapshot


def conditional_json(request, payload: dict) -> HttpResponse:
    """JSON with an ETag derived from its body (so it changes with a new snapshot and with an
    edit of a generator alike); 304 when the client's copy is current."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


def _is_number(raw: str) -> bool:
    # ASCII only: str.isdigit() also takes "²", which int() then refuses with a ValueError.
    return raw.isascii() and raw.isdigit()


class Pages(pagination.PageNumberPagination):
    """Page numbers; a bad ``page_size`` is an error, not silently the default."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and (not _is_number(raw) or int(raw) < 1):
            raise ValidationError({"page": ["Must be a whole number from 1."]})
        return super().get_page_number(request, paginator)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not _is_number(raw) or not 1 <= int(raw) <= self.max_page_size:
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


def _doc(operation_id: str, summary: str, tag: str, ok, errors: dict, **more):
    """The schema of one operation."""
    return extend_schema(operation_id=operation_id, summary=summary, tags=[tag],
                         responses={200: ok, **errors}, **more)  # fmt: skip


def _get(*args):
    """The schema of a view's inherited GET."""
    return extend_schema_view(get=_doc(*args))


class _Catalogue(StrictQuery, generics.ListAPIView):
    query_serializers = (queries.PageQuerySerializer,)
    pagination_class = Pages


@_get("categories", "List the categories", "Catalogue",
      schemas.CategorySerializer(many=True), schemas.PAGED_ERRORS)  # fmt: skip
class CategoryList(_Catalogue):
    """Prompt categories; each has its own leaderboard."""

    queryset = Category.objects.order_by("name")
    serializer_class = schemas.CategorySerializer


@_get("generators", "List the generators", "Catalogue",
      schemas.GeneratorSerializer(many=True), schemas.PAGED_ERRORS)  # fmt: skip
class GeneratorList(_Catalogue):
    """Generators with their public fields (never keys or endpoints)."""

    queryset = Generator.objects.order_by("name")
    serializer_class = schemas.GeneratorSerializer


class LeaderboardList(StrictQuery, APIView):
    """The newest leaderboard of every board of one kind (``?kind=``, generation by default):
    the overall board of that kind first, then each of its categories."""

    query_serializers = (queries.PageQuerySerializer, queries.KindQuerySerializer)

    @_doc("leaderboards", "Every board of a kind, newest snapshot", "Leaderboards",
          schemas.PagedBoardsSerializer,
          {**schemas.PAGED_ERRORS, 400: schemas.ValidationErrorSerializer},
          parameters=[queries.PageQuerySerializer, queries.KindQuerySerializer])  # fmt: skip
    def get(self, request):
        query = _checked(queries.KindQuerySerializer, request.query_params)
        boards = boards_latest(kind=query.get("kind", Kind.GENERATE), control=query["control"])
        paginator = Pages()
        snapshots = paginator.paginate_queryset(boards, request, view=self)
        return paginator.get_paginated_response([board_payload(s) for s in snapshots])


class _SnapshotView(StrictQuery, APIView):
    """A view of a board's newest snapshot, answered conditionally."""

    name = ""
    query_serializers = (queries.KindQuerySerializer,)
    payload = None  # a function of the snapshot

    @extend_schema(parameters=[queries.KindQuerySerializer])
    def get(self, request, category: str):
        query = _checked(queries.KindQuerySerializer, request.query_params)
        snapshot = _latest(*_board(category, query.get("kind")), query["control"])
        return conditional_json(request, self.payload(snapshot))


@_get("leaderboard", "One board", "Leaderboards", schemas.BoardSerializer, schemas.BOARD_ERRORS)
class LeaderboardDetail(_SnapshotView):
    """One board ('overall' with ``?kind=``, or a category): a row per generator, with the
    snapshot's facts."""

    name = "board"
    payload = staticmethod(board_payload)


@_get("matrix", "Pairwise matrices of a board", "Leaderboards", schemas.MatrixSerializer,
      schemas.BOARD_ERRORS)  # fmt: skip
class Matrix(_SnapshotView):
    """Pairwise observed win rates, battle counts and predicted win probabilities."""

    name = "matrix"
    payload = staticmethod(matrix_payload)


class Route(StrictQuery, APIView):
    """The generator to use for a category (GET) or for one prompt (POST), with alternatives
    and how sure the arena is."""

    permission_classes = [CanRoute]
    parser_classes = [JSONParser]

    query_serializers = (queries.RouteQuerySerializer,)

    @_doc("route", "Which generator to use", "Routing", schemas.RouteSerializer,
          schemas.BOARD_ERRORS, parameters=[queries.RouteQuerySerializer])  # fmt: skip
    def get(self, request):
        query = _checked(queries.RouteQuerySerializer, request.query_params)
        category, kind = _board(query.get("category"), query.get("kind"))
        return conditional_json(request, route(category=category, kind=kind, **_options(query)))

    @_doc("route_prompt", "Which generator to use for this prompt", "Routing",
          schemas.PromptRouteSerializer, schemas.BOARD_ERRORS,
          request=queries.PromptRouteBodySerializer)  # fmt: skip
    def post(self, request):
        data = _checked(queries.PromptRouteBodySerializer, request.data)
        category, kind, guessed = _prompt_category(data)
        answer = prompt_route(prompt=data["prompt"], category=category, kind=kind, **_options(data))
        body = json.dumps({**answer, "category_guessed": guessed}, separators=(",", ":"))
        return HttpResponse(body, content_type="application/json")


def _options(data: dict) -> dict:
    """The route's options from a checked query or body."""
    return {
        "max_cost": data.get("max_cost"), "alternatives": data["alternatives"],
        "tolerance": data.get("tolerance"), "objective": data["objective"],
        "control": data["control"],
    }  # fmt: skip


def _prompt_category(data: dict) -> tuple[Category | None, str, bool]:
    """The category asked for (an unknown one is a bad field of the body: 400), else the
    nearest by the prompt's words."""
    slug = data.get("category")
    if slug is None:
        kind = data.get("kind", Kind.GENERATE)
        return category_guess(data["prompt"], kind=kind), kind, True
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        raise ValidationError({"category": [f"There is no category {slug!r}."]})
    return category, _kind(category, data.get("kind")), False


class BattlesExport(StrictQuery, APIView):
    """Votes as JSON lines in the public arena battle format, streamed.

    For staff and API keys with the ``export`` scope. Judges are pseudonymised (a stable keyed
    hash); staff may ask for names with ``?judges=names``.
    """

    permission_classes = [CanExport]
    query_serializers = (queries.ExportQuerySerializer,)

    @extend_schema(
        operation_id="battles_export",
        summary="Export the votes as battles",
        tags=["Export"],
        responses={(200, "application/x-ndjson"): OpenApiTypes.STR, **schemas.BOARD_ERRORS},
        parameters=[queries.ExportQuerySerializer],
    )
    def get(self, request):
        query = _checked(queries.ExportQuerySerializer, request.query_params)
        category = _category(query.get("category"))
        names = query.get("judges") == "names"
        if names and not may_see_names(request):
            raise PermissionDenied("Only staff may export voters' names.")
        records = battle_records(category=category, names=names)
        lines = (json.dumps(record) + "\n" for record in records)
        response = StreamingHttpResponse(lines, content_type="application/x-ndjson")
        response["Content-Disposition"] = 'attachment; filename="battles.jsonl"'
        return response
