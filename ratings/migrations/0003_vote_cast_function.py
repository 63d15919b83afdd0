"""PostgreSQL: a vote's whole write as one function call (see arena.services.votes).

On PostgreSQL each statement of a vote costs a network round trip and a wake-up on both sides,
which is more than the statement's own work. The function does in one call, in one
transaction, what the portable path does statement by statement: close the battle with a
compare-and-set (NULL when it was no longer open), lock the Elo rows (creating missing ones),
insert the vote and move the Elo rows. Its Elo arithmetic is the one of
ratings.engine.elo.elo_update, in the same order. Other databases do not get the function.
"""

from __future__ import annotations

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION ratings_elo_delta(
    p_left double precision, p_right double precision, p_score double precision,
    p_k double precision, p_scale double precision, p_base double precision
) RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
    -- ratings.engine.elo.elo_update: k * (score - 1 / (1 + exp((r_b - r_a) * (ln(base) / scale))))
    -- (exp is capped where it would overflow; the expected score is 0 to the last digit there.)
    SELECT p_k * (p_score - 1.0::float8 / (1.0::float8
        + exp(LEAST((p_right - p_left) * (ln(p_base) / p_scale), 700.0::float8))))
$$;

CREATE OR REPLACE FUNCTION ratings_vote_cast(
    p_battle bigint, p_voter bigint, p_category bigint, p_choice text,
    p_left bigint, p_right bigint, p_time_to_vote_ms bigint, p_flagged boolean,
    p_flag_reason text, p_created_at timestamptz,
    -- the left side's score (1, 0.5, 0), NULL when the vote does not move Elo
    p_score double precision,
    p_k double precision, p_scale double precision, p_base double precision,
    p_initial double precision
) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_vote bigint;
    v_wanted integer := CASE WHEN p_category IS NULL THEN 2 ELSE 4 END;
    v_found integer;
    v_row ratings_elorating%ROWTYPE;
    -- left and right on the overall board, left and right on the category's board
    v_lo ratings_elorating%ROWTYPE;
    v_ro ratings_elorating%ROWTYPE;
    v_lc ratings_elorating%ROWTYPE;
    v_rc ratings_elorating%ROWTYPE;
    v_delta double precision;
BEGIN
    -- First, so that of two racing requests the second waits here and then finds it voted.
    UPDATE arena_battle SET status = 'voted'
        WHERE id = p_battle AND status = 'assigned' AND voter_id = p_voter;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    FOR v_attempt IN 1..2 LOOP
        v_found := 0;
        FOR v_row IN SELECT * FROM ratings_elorating
                WHERE generator_id IN (p_left, p_right)
                  AND (category_id IS NULL OR category_id = p_category)
                ORDER BY id FOR UPDATE
        LOOP
            v_found := v_found + 1;
            IF v_row.category_id IS NULL AND v_row.generator_id = p_left THEN v_lo := v_row;
            ELSIF v_row.category_id IS NULL THEN v_ro := v_row;
            ELSIF v_row.generator_id = p_left THEN v_lc := v_row;
            ELSE v_rc := v_row;
            END IF;
        END LOOP;
        EXIT WHEN v_found = v_wanted;
        -- First votes of a generator on a board (a racing vote may create them first; fine).
        INSERT INTO ratings_elorating (category_id, generator_id, rating, votes)
            SELECT board, generator, p_initial, 0
            FROM (VALUES (NULL::bigint), (p_category)) AS boards (board),
                 (VALUES (p_left), (p_right)) AS generators (generator)
            WHERE board IS NULL OR p_category IS NOT NULL
            ON CONFLICT DO NOTHING;
    END LOOP;
    INSERT INTO arena_vote (battle_id, voter_id, category_id, choice, shown_left_id,
            shown_right_id, time_to_vote_ms, flagged, flag_reason, created_at, judge, question_id)
        VALUES (p_battle, p_voter, p_category, p_choice, p_left, p_right, p_time_to_vote_ms,
            p_flagged, p_flag_reason, p_created_at, '', '')
        RETURNING id INTO v_vote;
    IF p_score IS NULL THEN
        RETURN v_vote;
    END IF;
    v_delta := ratings_elo_delta(v_lo.rating, v_ro.rating, p_score, p_k, p_scale, p_base);
    UPDATE ratings_elorating SET rating = v_lo.rating + v_delta, votes = votes + 1,
        last_vote_id = v_vote WHERE id = v_lo.id;
    UPDATE ratings_elorating SET rating = v_ro.rating - v_delta, votes = votes + 1,
        last_vote_id = v_vote WHERE id = v_ro.id;
    IF p_category IS NOT NULL THEN
        v_delta := ratings_elo_delta(v_lc.rating, v_rc.rating, p_score, p_k, p_scale, p_base);
        UPDATE ratings_elorating SET rating = v_lc.rating + v_delta, votes = votes + 1,
            last_vote_id = v_vote WHERE id = v_lc.id;
        UPDATE ratings_elorating SET rating = v_rc.rating - v_delta, votes = votes + 1,
            last_vote_id = v_vote WHERE id = v_rc.id;
    END IF;
    RETURN v_vote;
END;
$$;
"""

DROP = "DROP FUNCTION IF EXISTS ratings_vote_cast; DROP FUNCTION IF EXISTS ratings_elo_delta"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # No parameters: "%ROWTYPE" must reach PostgreSQL as written.
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("ratings", "0002_apikey"),
        ("arena", "0004_vote_voter_time_index"),
    ]

    operations = [migrations.RunPython(create, drop)]
