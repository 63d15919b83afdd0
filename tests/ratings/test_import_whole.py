"""import_battles keeps every line: repeats are separate battles, bad text is caught first."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from arena.models import Category, Vote
from generation.models import Generator

GAME = {"model_a": "alpha", "model_b": "beta", "winner": "model_a"}


def _write(tmp_path, text: str):
    path = tmp_path / "battles.jsonl"
    path.write_text(text, encoding="utf-8")
    return path


def _lines(*records) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


def _run(path) -> str:
    out = io.StringIO()
    call_command("import_battles", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_identical_lines_are_separate_battles(db, tmp_path):
    other = {"model_a": "beta", "model_b": "alpha", "winner": "tie"}
    path = _write(tmp_path, _lines(GAME, GAME, other, GAME, other))

    output = _run(path)

    assert "5 battles read, 5 new votes" in output
    assert Vote.objects.filter(choice="left").count() == 3
    assert Vote.objects.filter(choice="tie").count() == 2


def test_importing_a_file_with_repeats_twice_adds_nothing(db, tmp_path):
    path = _write(tmp_path, _lines(GAME, GAME, GAME))
    _run(path)

    assert "3 battles read, 0 new votes" in _run(path)
    assert Vote.objects.count() == 3


def test_a_longer_file_adds_only_its_extra_repeats(db, tmp_path):
    _run(_write(tmp_path, _lines(GAME, GAME)))

    assert "4 battles read, 2 new votes" in _run(_write(tmp_path, _lines(GAME, GAME, GAME, GAME)))


def test_a_file_imported_before_repeats_were_kept_adds_only_the_missing_repeats(db, tmp_path):
    path = _write(tmp_path, _lines(GAME))
    _run(path)  # a single line keeps the key it always had

    assert "3 battles read, 2 new votes" in _run(_write(tmp_path, _lines(GAME, GAME, GAME)))


@pytest.mark.parametrize(
    ("bad", "what"),
    [
        ({"model_a": "al\u0000pha", "model_b": "beta", "winner": "tie"}, "NUL"),
        ({"model_a": "alpha", "model_b": "beta", "winner": "tie", "judge": "\ud800"}, "surrogate"),
        ({"model_a": "alpha", "model_b": "be\udfffta", "winner": "tie"}, "surrogate"),
        ({"model_a": "alpha", "model_b": "beta", "winner": "tie", "category": "c" * 101}, "100"),
    ],
)
def test_text_the_database_cannot_store_is_reported_by_the_check_with_its_line(
    db, tmp_path, bad, what
):
    path = _write(tmp_path, _lines(GAME, GAME, bad))

    with pytest.raises(CommandError) as caught:
        _run(path)

    assert "line 3" in str(caught.value) and what in str(caught.value)
    assert Vote.objects.count() == 0
    assert not Generator.objects.exists() and not Category.objects.exists()


def test_a_category_name_as_long_as_its_column_imports_with_a_slug_that_fits(db, tmp_path):
    names = ["c" * 100, "c" * 99 + "d"]  # one slug prefix: the second needs a suffix too
    _run(_write(tmp_path, _lines(*({**GAME, "category": name} for name in names))))

    slugs = list(Category.objects.values_list("slug", flat=True))
    limit = Category._meta.get_field("slug").max_length
    assert len(slugs) == 2 and len(set(slugs)) == 2
    assert all(len(slug) <= limit for slug in slugs)
