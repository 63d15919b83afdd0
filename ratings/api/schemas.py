"""The API's responses, described for the OpenAPI schema (they are built as plain dicts:
ratings.payloads)."""

from __future__ import annotations

from rest_framework import serializers

from arena.models import Category, Kind
from generation.models import Generator


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name", "description", "kind"]


class GeneratorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Generator
        fields = ["slug", "name", "provider", "model_id", "modality", "capabilities", "enabled",
                  "price_per_output"]  # fmt: skip


class BoardCategorySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class BoardRowSerializer(serializers.Serializer):
    generator = serializers.CharField(help_text="Generator slug.")
    name = serializers.CharField()
    provider = serializers.CharField()
    model_id = serializers.CharField()
    rated = serializers.BooleanField(help_text="False when the generator has no votes here.")
    rating = serializers.FloatField(allow_null=True, help_text="Bradley-Terry, Elo scale.")
    ci_lower = serializers.FloatField(allow_null=True)
    ci_upper = serializers.FloatField(allow_null=True)
    elo = serializers.FloatField(allow_null=True, help_text="Online Elo.")
    rank = serializers.IntegerField(allow_null=True)
    rank_lower = serializers.IntegerField(allow_null=True, help_text="Best plausible rank.")
    rank_upper = serializers.IntegerField(allow_null=True, help_text="Worst plausible rank.")
    votes = serializers.IntegerField()
    wins = serializers.FloatField()
    losses = serializers.FloatField()
    ties = serializers.FloatField()
    win_rate = serializers.FloatField(allow_null=True, help_text="Ties count half.")
    p_best = serializers.FloatField(allow_null=True, help_text="Probability of being best.")
    tier = serializers.IntegerField(
        allow_null=True,
        help_text="Models the data cannot separate at the board's error rate share a tier.",
    )
    enough_votes = serializers.BooleanField()
    price_per_output = serializers.FloatField()
    median_latency_ms = serializers.FloatField(allow_null=True)
    mean_cost = serializers.FloatField(allow_null=True)
    regret_bound = serializers.FloatField(
        allow_null=True,
        help_text="Anytime-valid upper bound, in rating points, on how far this generator is "
        "below the best established one on this board (null while provisional).",
    )
    votes_to_flip = serializers.IntegerField(
        allow_null=True,
        help_text="Estimate: votes for the next generator down against this one that would "
        "put it level or above (null for the last rated row).",
    )
    rank_plain = serializers.IntegerField(
        allow_null=True, required=False, help_text="Style-controlled boards: the plain rank."
    )
    rank_change = serializers.IntegerField(
        allow_null=True,
        required=False,
        help_text="Style-controlled boards: places moved up (negative: down) against the plain "
        "board, once looks are taken out.",
    )


class VotersExcludedSerializer(serializers.Serializer):
    votes = serializers.IntegerField(help_text="Votes left out because their voter is excluded.")
    reasons = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Those votes by their voter's reason: decoys, side, agreement, promoter, hand.",
    )


class StyleEffectSerializer(serializers.Serializer):
    feature = serializers.CharField()
    label = serializers.CharField()
    points = serializers.FloatField(
        allow_null=True,
        help_text="Rating points a voter adds for one standard deviation more of this feature's "
        "difference between the two sides (null: it did not vary on this board).",
    )
    lower = serializers.FloatField(allow_null=True, help_text="95% interval (sandwich).")
    upper = serializers.FloatField(allow_null=True)
    sd = serializers.FloatField(
        allow_null=True, help_text="One standard deviation of the difference, in its units."
    )


class BoardStyleSerializer(serializers.Serializer):
    votes = serializers.IntegerField(help_text="Votes whose battles have both styles measured.")
    min_votes = serializers.IntegerField(help_text="RATINGS_STYLE_MIN_VOTES when computed.")
    features = StyleEffectSerializer(many=True, required=False)


class BoardHeaderSerializer(serializers.Serializer):
    board = serializers.CharField(help_text="'overall' or a category slug.")
    kind = serializers.ChoiceField(
        Kind.choices, help_text="The battles rated: a category's kind, or the overall board's."
    )
    category = BoardCategorySerializer(allow_null=True)
    computed_at = serializers.DateTimeField()
    votes_total = serializers.IntegerField()
    votes_excluded = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Votes left out of this board, by reason: flagged (RATINGS_FLAGGED=drop), "
        "void (voided by staff), voter (cast by excluded voters), both_bad "
        "(RATINGS_BOTH_BAD=drop).",
    )
    voters_excluded = VotersExcludedSerializer()
    last_vote_id = serializers.IntegerField(allow_null=True)
    method = serializers.CharField()
    parameters = serializers.DictField()
    seed = serializers.IntegerField()
    position = serializers.FloatField(allow_null=True, help_text="Left-side advantage, points.")
    snapshot = serializers.IntegerField()
    control = serializers.ChoiceField(
        ["none", "style"], help_text="style: a style-controlled board; none: the plain one."
    )
    plain_snapshot = serializers.IntegerField(
        allow_null=True, help_text="A style-controlled board's plain snapshot."
    )
    style = BoardStyleSerializer(
        allow_null=True,
        help_text="Votes with both outputs' styles measured and the minimum a style-controlled "
        "board needs; on a style-controlled board, what each feature is worth.",
    )


class BoardSerializer(BoardHeaderSerializer):
    rows = BoardRowSerializer(many=True)


class MatrixSerializer(BoardHeaderSerializer):
    generators = serializers.ListField(child=serializers.CharField(allow_null=True))
    win_rate = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(allow_null=True))
    )
    counts = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(allow_null=True))
    )
    predicted = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(allow_null=True))
    )


class RouteChoiceSerializer(serializers.Serializer):
    generator = serializers.CharField()
    name = serializers.CharField()
    provider = serializers.CharField()
    model_id = serializers.CharField()
    rating = serializers.FloatField()
    ci_lower = serializers.FloatField(allow_null=True)
    ci_upper = serializers.FloatField(allow_null=True)
    rank_lower = serializers.IntegerField(allow_null=True)
    rank_upper = serializers.IntegerField(allow_null=True)
    tier = serializers.IntegerField(allow_null=True)
    p_best = serializers.FloatField(allow_null=True)
    votes = serializers.IntegerField()
    provisional = serializers.BooleanField(help_text="Fewer votes than RATINGS_MIN_VOTES.")
    median_latency_ms = serializers.FloatField(allow_null=True)
    price_per_output = serializers.FloatField()
    cost = serializers.FloatField()
    regret_bound = serializers.FloatField(
        allow_null=True,
        help_text="Anytime-valid upper bound, in rating points, on how far this generator is "
        "below the best established one (null while provisional).",
    )


class RouteMarginSerializer(serializers.Serializer):
    over = serializers.CharField(help_text="The runner-up among established generators.")
    points = serializers.FloatField(help_text="Leader's rating minus the runner-up's.")
    lower = serializers.FloatField(help_text="Anytime-valid lower bound of the margin.")
    upper = serializers.FloatField(help_text="Anytime-valid upper bound of the margin.")


class RouteGoodEnoughSerializer(serializers.Serializer):
    cheapest = serializers.CharField(
        allow_null=True, help_text="Cheapest generator within the tolerance of the best."
    )
    fastest = serializers.CharField(
        allow_null=True, help_text="Fastest generator within the tolerance of the best."
    )


class RouteChallengerSerializer(serializers.Serializer):
    generator = serializers.CharField(help_text="The generator that may be furthest above.")
    up_to = serializers.FloatField(help_text="How many rating points better it may be.")


class RouteSerializer(serializers.Serializer):
    category = serializers.CharField()
    kind = serializers.ChoiceField(
        Kind.choices, help_text="The kind of battles decided: the category's, or as asked."
    )
    decision = serializers.ChoiceField(choices=["confident", "insufficient_data"])
    reason = serializers.CharField()
    error_rate = serializers.FloatField(
        help_text="Chance that a category is ever answered confident with a generator more "
        "than the tolerance below its best established one, however often the route is asked."
    )
    tolerance = serializers.FloatField(
        help_text="Rating points a confident pick may be below the best: the one used."
    )
    objective = serializers.ChoiceField(choices=["quality", "cost", "latency"])
    control = serializers.ChoiceField(
        ["none", "style"], help_text="Which boards decided: plain, or style-controlled."
    )
    board_used = serializers.CharField(allow_null=True, help_text="Board the choice came from.")
    recommended = RouteChoiceSerializer(allow_null=True)
    regret_bound = serializers.FloatField(
        allow_null=True, help_text="The recommended generator's regret bound, rating points."
    )
    leader = serializers.CharField(allow_null=True, help_text="The quality pick.")
    good_enough = RouteGoodEnoughSerializer()
    challenger = RouteChallengerSerializer(allow_null=True)
    margin = RouteMarginSerializer(allow_null=True)
    runner_up = serializers.CharField(allow_null=True)
    votes_needed_estimate = serializers.IntegerField(
        allow_null=True,
        help_text="Roughly how many more votes would decide the category at today's gaps "
        "(0 when confident, null when out of reach).",
    )
    votes_to_flip = serializers.IntegerField(
        allow_null=True,
        help_text="Estimate, for a confident answer: the fewest votes for one challenger "
        "against the pick, in this category, that would undo the decision (null otherwise).",
    )
    provisional_challengers = serializers.ListField(
        child=serializers.CharField(),
        help_text="Generators with too few votes to judge that might be better than the pick.",
    )
    statistically_tied_with = serializers.ListField(
        child=serializers.CharField(), help_text="Generators in the recommended one's tier."
    )
    alternatives = RouteChoiceSerializer(many=True)
    max_cost = serializers.FloatField(allow_null=True)
    computed_at = serializers.DateTimeField(allow_null=True)
    votes_total = serializers.IntegerField()


class PromptNeighboursSerializer(serializers.Serializer):
    prompts = serializers.IntegerField(
        help_text="Past voted prompts the answer drew on (kernel weight at least 5%)."
    )
    votes = serializers.IntegerField(help_text="Their votes.")
    effective_votes = serializers.FloatField(
        help_text="Kish effective number of votes of the weighted fit: (sum w)^2 / sum w^2."
    )
    nearest = serializers.FloatField(
        allow_null=True, help_text="Cosine similarity (0-1) of the nearest voted prompt."
    )
    similarity = serializers.FloatField(
        allow_null=True, help_text="Mean similarity of the votes drawn on, as they are weighed."
    )
    agrees = serializers.BooleanField(
        allow_null=True, help_text="Whether the prompt's leader is the category route's pick."
    )
    leader = serializers.CharField(
        allow_null=True, help_text="The generator rated highest for prompts like this one."
    )


class PromptRouteSerializer(RouteSerializer):
    basis = serializers.ChoiceField(
        choices=["prompt", "category"],
        help_text="prompt: the answer rests on the votes of prompts like this one (confident "
        "there, or the same pick as the category's); category: the category route's answer.",
    )
    category_guessed = serializers.BooleanField(
        help_text="The category was not given: the nearest one by the prompt's words."
    )
    prompt = PromptNeighboursSerializer()
    fallback_reason = serializers.CharField(
        allow_null=True, help_text="Why the category answered; null on the prompt basis."
    )


class PagedBoardsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = BoardSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words.")


def _field_errors(name: str, fields: list[str]) -> type[serializers.Serializer]:
    """A 400 body: a list of messages per field that can be wrong."""
    messages = {f: serializers.ListField(child=serializers.CharField(), required=False)
                for f in fields}  # fmt: skip
    return type(name, (serializers.Serializer,), {"__module__": __name__, **messages})


ValidationErrorSerializer = _field_errors("ValidationErrorSerializer", [
    "max_cost", "tolerance", "objective", "alternatives", "category", "kind", "control", "prompt"
])  # fmt: skip


PageErrorSerializer = _field_errors("PageErrorSerializer", ["page", "page_size"])


ERRORS = {401: ErrorSerializer, 403: ErrorSerializer}
PAGED_ERRORS = {**ERRORS, 400: PageErrorSerializer, 404: ErrorSerializer}
NOT_FOUND = {**ERRORS, 404: ErrorSerializer}
BOARD_ERRORS = {**NOT_FOUND, 400: ValidationErrorSerializer}
