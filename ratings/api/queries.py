"""The API's queries and the route's body, checked: a bad value answers 400 naming the field."""

from __future__ import annotations

import math

from rest_framework import serializers

from arena.models import PROMPT_MAX_LENGTH, Kind


class NumberField(serializers.FloatField):
    """A float that is a number in JSON too: DRF's own takes ``true`` as 1.0."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class CategoryQuerySerializer(serializers.Serializer):
    """A board chosen by query; also checks it."""

    category = serializers.RegexField(
        r"^[-a-zA-Z0-9_]{1,60}$",
        required=False,
        trim_whitespace=False,
        help_text="Category slug; omit for overall.",
    )

    def validate(self, attrs):
        # A query parameter given empty (?category=) is a mistake, not "not given".
        for name in self.fields:
            if self.initial_data.get(name, None) == "":
                raise serializers.ValidationError({name: ["May not be empty."]})
        return attrs


def _kind_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        Kind.choices,
        required=False,
        help_text="generate (the default) or edit: the overall board of that kind.",
        error_messages={"invalid_choice": "{input!r} is not a board kind; use generate or edit."},
    )


def _control_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        ["none", "style"],
        required=False,
        default="none",
        help_text="none (the default): the plain board of every vote; style: the style-"
        "controlled board, its votes those whose battles have both outputs' styles measured, "
        "with what each style feature is worth taken out.",
        error_messages={"invalid_choice": "{input!r} is not a control; use none or style."},
    )


class KindQuerySerializer(CategoryQuerySerializer):
    """The kind of board asked for, plain or style-controlled; also checks it."""

    category = None  # not a field here: the board is named by the path, or all are listed
    kind = _kind_field()
    control = _control_field()


class ExportQuerySerializer(CategoryQuerySerializer):
    """The query of /battles/export/."""

    judges = serializers.ChoiceField(
        ["pseudonyms", "names"],
        required=False,
        help_text="pseudonyms (default): a stable keyed hash per voter; names: staff only.",
    )


class RouteQuerySerializer(CategoryQuerySerializer):
    """The query of /route/; also checks it."""

    kind = _kind_field()
    control = _control_field()

    max_cost = NumberField(
        required=False, min_value=0, max_value=1e9, help_text="Best generator within this cost."
    )
    alternatives = serializers.IntegerField(
        required=False, min_value=0, max_value=1000, default=10, help_text="How many runners-up."
    )
    tolerance = NumberField(
        required=False,
        min_value=0,
        max_value=1000,
        help_text="Rating points a confident pick may be below the best (0: the best itself). "
        "Default: the category's route_tolerance, else RATINGS_ROUTE_TOLERANCE (25).",
    )
    objective = serializers.ChoiceField(
        ["quality", "cost", "latency"],
        required=False,
        default="quality",
        help_text="quality: the leader; cost: the cheapest generator within the tolerance (by "
        "price_per_output); latency: the fastest within it (by median latency).",
    )

    def validate_tolerance(self, value: float) -> float:
        if not math.isfinite(value):
            raise serializers.ValidationError("Must be a finite number of rating points.")
        return value


class PromptRouteBodySerializer(RouteQuerySerializer):
    """The body of POST /route/: a prompt and the category route's options."""

    # Some text that is not space, and no NUL character (a text column cannot hold one). The
    # classes are spelled out: Python's \s and a JSON schema's differ on rare characters.
    prompt = serializers.RegexField(
        r"^[^\x00]*[^ \t\n\r\f\v\x00][^\x00]*$",
        max_length=PROMPT_MAX_LENGTH,
        trim_whitespace=False,
        error_messages={"invalid": "Must hold some text other than spaces, and no NUL."},
        help_text=f"The prompt to route (1 to {PROMPT_MAX_LENGTH} characters, not all spaces).",
    )
    category = serializers.RegexField(
        r"^[-a-zA-Z0-9_]{1,60}$",
        required=False,
        help_text="Category slug; omit to use the nearest category by the prompt's words.",
    )


class PageQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(required=False, min_value=1, help_text="Page number.")
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=500, help_text="Results per page (50)."
    )
