"""A generation whose task died or was lost is finished exactly once, and its battle readied."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from arena.models import Battle
from arena.services import battle_create, generations_requeue_stalled
from generation.models import Generation
from generation.services import generation_claim
from generation.tasks import generate


def _pending_battle(prompt, generators, capture) -> Battle:
    with capture(execute=False):  # the tasks are "lost": never run
        return battle_create(prompt=prompt, generator_a=generators[0], generator_b=generators[1])


def _assert_done_once(battle: Battle) -> None:
    battle.refresh_from_db()
    assert battle.status == Battle.Status.READY
    assert Generation.objects.count() == 2
    assert set(Generation.objects.values_list("status", flat=True)) == {"succeeded"}


def test_a_redelivered_task_finishes_the_run_its_dead_worker_began(
    prompt, generators, django_capture_on_commit_callbacks
):
    battle = _pending_battle(prompt, generators, django_capture_on_commit_callbacks)
    # The worker claimed generation a, then died before recording anything.
    assert generation_claim(generation_id=battle.generation_a_id, claim="task-a")

    generate.apply(args=[battle.generation_a_id], task_id="task-a")
    generate.apply(args=[battle.generation_b_id], task_id="task-b")

    _assert_done_once(battle)
    redone = Generation.objects.get(id=battle.generation_a_id)
    assert redone.claimed_by == "task-a" and redone.attempts == 2


def test_lost_and_stalled_generations_are_sent_again_and_finish_once(
    prompt, generators, django_capture_on_commit_callbacks
):
    battle = _pending_battle(prompt, generators, django_capture_on_commit_callbacks)
    long_ago = timezone.now() - timedelta(hours=1)
    # a: its worker died mid-run and nothing redelivered it; b: its task never reached a broker.
    generation_claim(generation_id=battle.generation_a_id, claim="dead-task")
    Generation.objects.filter(id=battle.generation_a_id).update(started_at=long_ago)
    Generation.objects.filter(id=battle.generation_b_id).update(created_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        assert generations_requeue_stalled() == 2

    _assert_done_once(battle)
    taken_over = Generation.objects.get(id=battle.generation_a_id)
    assert taken_over.claimed_by != "dead-task" and taken_over.attempts == 2


def test_a_late_duplicate_of_a_finished_generation_changes_nothing(
    prompt, generators, django_capture_on_commit_callbacks
):
    battle = _pending_battle(prompt, generators, django_capture_on_commit_callbacks)
    for generation_id in (battle.generation_a_id, battle.generation_b_id):
        generate.apply(args=[generation_id])
    before = list(Generation.objects.values_list("id", "file", "attempts", "finished_at"))

    assert generate.apply(args=[battle.generation_a_id]).get() == "skipped"

    assert list(Generation.objects.values_list("id", "file", "attempts", "finished_at")) == before
    _assert_done_once(battle)


def test_a_fresh_run_of_another_task_is_not_taken_over(prompt, generators):
    generation = Generation.objects.create(
        prompt=prompt, generator=generators[0], params_hash="x", parameters={}
    )
    assert generation_claim(generation_id=generation.id, claim="alive-task")

    assert generate.apply(args=[generation.id], task_id="other-task").get() == "skipped"
    generation.refresh_from_db()
    assert generation.status == Generation.Status.RUNNING
    assert generation.claimed_by == "alive-task"


def test_a_task_for_a_generation_that_is_gone_is_skipped(db):
    assert generate.apply(args=[987654]).get() == "skipped"


def test_a_stalled_generation_is_sent_again_once_per_period_however_often_refills_ask(
    prompt, generators, django_capture_on_commit_callbacks
):
    battle = _pending_battle(prompt, generators, django_capture_on_commit_callbacks)
    long_ago = timezone.now() - timedelta(hours=1)
    Generation.objects.filter(id__in=[battle.generation_a_id, battle.generation_b_id]).update(
        created_at=long_ago
    )
    stuck = Generation.objects.filter(id__in=[battle.generation_a_id, battle.generation_b_id])
    sent = []
    for _ in range(5):
        sent.append(generations_requeue_stalled())
        stuck.update(status=Generation.Status.PENDING)  # the worker is still behind
    assert sent == [2, 0, 0, 0, 0]
    cache.clear()  # the period is over
    assert generations_requeue_stalled() == 2
