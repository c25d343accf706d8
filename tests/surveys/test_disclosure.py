"""Disclosure control: no count in 1..k-1 is shown, and none can be recomputed from what is shown."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from surveys.disclosure import Hidden, protect_additive, protect_independent


def test_primary_and_secondary_suppression():
    cells = protect_additive({"a": 20, "b": 3, "c": 9, "d": 0}, 5)
    assert cells["b"].hidden is Hidden.PRIMARY and cells["b"].display(5) == "<5"
    assert cells["c"].hidden is Hidden.SECONDARY and cells["c"].display(5) == "–"
    assert cells["a"].display(5) == "20" and cells["d"].display(5) == "0"


def test_independent_cells_get_primary_suppression_only():
    cells = protect_independent({"a": 1, "b": 7}, 5)
    assert [c.display(5) for c in cells.values()] == ["<5", "7"]


@given(st.dictionaries(st.sampled_from("abcdefg"), st.integers(0, 40), min_size=1), st.integers(2, 11))
def test_no_small_count_is_shown_or_derivable_from_the_total(counts, k):
    cells = protect_additive(counts, k)
    total = sum(counts.values())
    shown = [c.count for c in cells.values() if not c.hidden]
    hidden = [c.count for c in cells.values() if c.hidden]
    assert all(n == 0 or n >= k for n in shown)
    # what an attacker can derive: the hidden cells' sum (total minus what is shown)
    assert total - sum(shown) == sum(hidden)
    if hidden:
        assert len(hidden) >= 2 or sum(hidden) == 0 or total < k
        assert sum(hidden) == 0 or sum(hidden) >= k or total < k
