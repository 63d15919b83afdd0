"""PostgreSQL: a whole vote as one function call, the battle's read included (arena.services.votes).

``arena_vote_cast`` reads the voter's battle by its token with what the reveal needs and the
voter's counts for both vote limits; when the battle is the voter's, still open, and both
limits allow it, it works out the vote's time and flags and writes the vote with
``ratings_vote_cast`` (ratings/migrations/0003). It returns what it read and, when it wrote,
the vote's id, time and flag reason: the service raises the errors and renders the reveal
from them. Its flag rules are those of ``arena.services.votes.vote_flags``, whose words it is
given; the tests run both. Other databases do not get the function.
"""

from __future__ import annotations

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION arena_vote_cast(
    p_token uuid, p_voter bigint, p_choice text, p_now timestamptz,
    -- the voter's votes count from these for today and for the rate limit's window
    p_midnight timestamptz, p_window_start timestamptz,
    -- the limits, 0 for none
    p_daily_cap bigint, p_rate_limit bigint,
    p_images_loaded boolean, p_min_vote_ms bigint,
    -- the flag reasons' words: not loaded, never shown, too fast (with %s for the ms)
    p_reasons text[],
    p_score double precision, p_k double precision, p_scale double precision,
    p_base double precision, p_initial double precision,
    OUT o_battle bigint, OUT o_status text, OUT o_voter bigint, OUT o_left_is_a boolean,
    OUT o_shown_at timestamptz, OUT o_category bigint,
    OUT o_generator_a bigint, OUT o_generator_b bigint, OUT o_name_a text, OUT o_name_b text,
    OUT o_latency_a integer, OUT o_latency_b integer, OUT o_cost_a numeric, OUT o_cost_b numeric,
    OUT o_votes_today bigint, OUT o_votes_last_minute bigint,
    -- NULL when nothing was written
    OUT o_vote bigint, OUT o_time_to_vote_ms bigint, OUT o_flag_reason text
) LANGUAGE plpgsql AS $$
DECLARE
    v_reasons text[];
BEGIN
    SELECT b.id, b.status, b.voter_id, b.left_is_a, b.shown_at, p.category_id,
           b.generator_a_id, b.generator_b_id, ga.name, gb.name,
           na.latency_ms, nb.latency_ms, na.cost, nb.cost
    INTO o_battle, o_status, o_voter, o_left_is_a, o_shown_at, o_category,
         o_generator_a, o_generator_b, o_name_a, o_name_b,
         o_latency_a, o_latency_b, o_cost_a, o_cost_b
    FROM arena_battle b
    JOIN arena_prompt p ON p.id = b.prompt_id
    JOIN generation_generator ga ON ga.id = b.generator_a_id
    JOIN generation_generator gb ON gb.id = b.generator_b_id
    JOIN generation_generation na ON na.id = b.generation_a_id
    JOIN generation_generation nb ON nb.id = b.generation_b_id
    WHERE b.token = p_token;
    -- Missing, or someone else's: the caller answers both alike.
    IF NOT FOUND OR o_voter <> p_voter THEN
        RETURN;
    END IF;
    SELECT count(*) INTO o_votes_today FROM arena_vote v
        WHERE v.voter_id = p_voter AND v.created_at >= p_midnight;
    SELECT count(*) INTO o_votes_last_minute FROM arena_vote v
        WHERE v.voter_id = p_voter AND v.created_at >= p_window_start;
    IF o_status <> 'assigned'
            OR (p_daily_cap > 0 AND o_votes_today >= p_daily_cap)
            OR (p_rate_limit > 0 AND o_votes_last_minute >= p_rate_limit) THEN
        RETURN;
    END IF;
    IF o_shown_at IS NOT NULL THEN
        o_time_to_vote_ms := GREATEST(floor(extract(epoch FROM p_now - o_shown_at) * 1000), 0);
    END IF;
    v_reasons := array_remove(ARRAY[
        CASE WHEN p_images_loaded IS FALSE THEN p_reasons[1] END,
        CASE WHEN o_time_to_vote_ms IS NULL THEN p_reasons[2]
             WHEN o_time_to_vote_ms < p_min_vote_ms THEN format(p_reasons[3], o_time_to_vote_ms)
        END
    ], NULL);
    o_flag_reason := left(array_to_string(v_reasons, '; '), 200);
    o_vote := ratings_vote_cast(
        o_battle, p_voter, o_category, p_choice,
        CASE WHEN o_left_is_a THEN o_generator_a ELSE o_generator_b END,
        CASE WHEN o_left_is_a THEN o_generator_b ELSE o_generator_a END,
        o_time_to_vote_ms, cardinality(v_reasons) > 0, o_flag_reason, p_now,
        p_score, p_k, p_scale, p_base, p_initial);
    IF o_vote IS NULL THEN
        -- Another request closed the battle first.
        o_time_to_vote_ms := NULL;
        o_flag_reason := NULL;
    END IF;
END;
$$;
"""

DROP = "DROP FUNCTION IF EXISTS arena_vote_cast"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("arena", "0005_vote_fewer_indexes"),
        ("ratings", "0003_vote_cast_function"),
    ]

    operations = [migrations.RunPython(create, drop)]
