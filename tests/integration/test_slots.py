"""The Redis slots behind generators' concurrency caps, against a real Redis."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import redis

from generation.concurrency import GeneratorBusy, Slots, generator_slot


@pytest.fixture
def client(redis_url):
    return redis.Redis.from_url(redis_url)


@pytest.fixture
def slots(client):
    generator_id = f"test-{uuid.uuid4().hex[:8]}"
    made = []

    def make(limit: int, lease: float = 10.0) -> Slots:
        made.append(Slots(client, generator_id=generator_id, limit=limit, lease=lease))
        return made[-1]

    yield make
    if made:
        client.delete(made[0].holders, made[0].wake)


def test_no_more_than_the_limit_hold_a_slot_however_many_try(slots):
    limit, workers, rounds = 3, 12, 15
    holders, most, lock = 0, 0, threading.Lock()

    def work(n: int) -> None:
        nonlocal holders, most
        mine = slots(limit)
        for i in range(rounds):
            token = f"w{n}-{i}"
            mine.acquire(token, wait=30)
            with lock:
                holders += 1
                most = max(most, holders)
            time.sleep(0.002)
            with lock:
                holders -= 1
            mine.release(token)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert most == limit
    assert slots(limit).held() == 0


def test_a_full_cap_refuses_after_the_wait_and_a_release_lets_a_waiter_in_at_once(slots):
    first = slots(1)
    first.acquire("holder", wait=0)
    with pytest.raises(GeneratorBusy, match="all 1 slots are taken"):
        first.acquire("other", wait=0.2)

    got_in = []
    waiter = threading.Thread(
        target=lambda: (slots(1).acquire("waiter", wait=10), got_in.append(time.monotonic()))
    )
    waiter.start()
    time.sleep(0.3)
    released = time.monotonic()
    first.release("holder")
    waiter.join(timeout=5)

    # Woken by the release: a waiter that only polled would look again up to a second later.
    assert got_in and got_in[0] - released < 0.5


def test_the_slot_of_a_holder_that_died_frees_itself_when_its_lease_ends(slots):
    slots(1, lease=0.3).acquire("killed-worker", wait=0)  # never released, never renewed
    survivor = slots(1, lease=10)
    with pytest.raises(GeneratorBusy):
        survivor.acquire("survivor", wait=0)

    survivor.acquire("survivor", wait=2)

    assert survivor.held() == 1


def test_a_redelivered_task_takes_its_own_slot_back_instead_of_a_second(slots):
    cap = slots(2)
    cap.acquire("task-1", wait=0)
    cap.acquire("task-1", wait=0)
    cap.acquire("task-2", wait=0)
    assert cap.held() == 2


def test_a_renewed_lease_outlives_its_first_term(slots):
    cap = slots(1, lease=0.4)
    cap.acquire("long-call", wait=0)
    for _ in range(4):
        time.sleep(0.2)
        assert cap.renew("long-call")
    assert not cap.try_acquire("newcomer")


def test_the_slot_is_held_for_the_block_and_renewed_while_it_runs(
    settings, redis_url, client, slots
):
    settings.ARENA_CONCURRENCY_REDIS_URL = redis_url
    settings.ARENA_SLOT_LEASE_SECONDS = 1.0
    settings.ARENA_SLOT_WAIT_SECONDS = 0
    generator_id = 900_000 + uuid.uuid4().int % 100_000
    view = Slots(client, generator_id=generator_id, limit=1, lease=1.0)
    try:
        with generator_slot(generator_id=generator_id, limit=1, token="run"):
            time.sleep(1.6)  # longer than the lease: only renewal keeps the slot
            assert view.held() == 1
            with (
                pytest.raises(GeneratorBusy),
                generator_slot(generator_id=generator_id, limit=1, token="other"),
            ):
                pass
        assert view.held() == 0
    finally:
        client.delete(view.holders, view.wake)
