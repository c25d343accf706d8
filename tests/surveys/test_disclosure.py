"""The Cell Key Method: what every published number obeys, whatever the records are."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from surveys.core.disclosure import (
    EMPTY,
    HIDDEN,
    KEY_MODULUS,
    MAX_DEVIATION,
    Cell,
    Tally,
    disclose,
    disclose_group,
    mean,
    possible_counts,
    share,
)

keys = st.lists(st.integers(0, KEY_MODULUS - 1), max_size=60)
ks = st.sampled_from([3, 5, 10])


def tally_of(record_keys: list[int]) -> Tally:
    return sum((Tally(1, key) for key in record_keys), EMPTY)


@given(keys, ks)
def test_no_count_from_1_to_k_minus_1_is_ever_published_and_zero_stays_zero(record_keys, k):
    published = disclose(tally_of(record_keys), k).value
    assert published == 0 or published >= k
    if not record_keys:
        assert published == 0


@given(keys, ks)
def test_the_published_count_stays_within_the_documented_bounds(record_keys, k):
    n = len(record_keys)
    published = disclose(tally_of(record_keys), k).value
    if n >= k + MAX_DEVIATION:
        assert abs(published - n) <= MAX_DEVIATION
    elif 0 < n < k:
        assert published in (0, k)
    low, high = possible_counts(published, k)
    assert low <= n <= high


@given(keys, ks, st.randoms(use_true_random=False))
def test_the_same_records_give_the_same_number_in_any_order_and_any_table(record_keys, k, rng):
    shuffled = list(record_keys)
    rng.shuffle(shuffled)
    assert disclose(tally_of(record_keys), k) == disclose(tally_of(shuffled), k)


@given(keys, keys)
def test_tallies_add_and_subtract_like_the_record_sets_they_count(first, second):
    whole = tally_of(first + second)
    assert tally_of(first) + tally_of(second) == whole
    assert whole - tally_of(second) == tally_of(first)


def test_small_counts_are_unbiased_and_large_ones_barely_move():
    rng = random.Random(7)
    for n, k in ((1, 5), (3, 5), (4, 5), (7, 10), (40, 5)):
        published = [disclose(tally_of([rng.randrange(KEY_MODULUS) for _ in range(n)]), k).value
                     for _ in range(4000)]
        assert abs(sum(published) / len(published) - n) < 0.25, (n, k)
        if n >= k + MAX_DEVIATION:
            assert sum(p == n for p in published) / len(published) > 0.5


def test_a_group_below_k_is_hidden_with_the_one_marker():
    assert disclose_group(Tally(4, 123), 5) is HIDDEN and HIDDEN.display() == "•"
    assert disclose_group(Tally(5, 123), 5).value >= 5


def test_shares_and_means_use_published_counts_only():
    assert share(Cell(5), Cell(20)) == 0.25
    assert share(HIDDEN, Cell(20)) is None and share(Cell(5), Cell(0)) is None
    assert mean({1: Cell(5), 3: Cell(15)}) == 2.5
    assert mean({1: HIDDEN, 3: Cell(15)}) is None


def test_what_each_published_value_tells_an_attacker():
    assert possible_counts(0, 5) == (0, 4)
    assert possible_counts(5, 5) == (1, 7)
    assert possible_counts(6, 5) == (5, 8)
    assert possible_counts(30, 5) == (28, 32)
