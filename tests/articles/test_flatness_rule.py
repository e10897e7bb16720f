"""The rule `make bench-sql` applies (bench/explain_pages.py): a page's SQL time at 100 000 stories may
exceed its time at 1 000 only in proportion to what the page shows — its bytes, or for a search page
the stories it ranked — never in proportion to the archive behind it."""

import importlib.util
from pathlib import Path

import pytest
from django.core.cache import cache

from tests.factories import make_article

spec = importlib.util.spec_from_file_location(
    "explain_pages", Path(__file__).resolve().parents[2] / "bench" / "explain_pages.py"
)
explain_pages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(explain_pages)


def page(ms, *, size=10_000, ranked=None):
    """One page's figures as measure() records them: (queries, ms, status, bytes, ranked)."""
    return (5, ms, 200, size, ranked)


def flat(large, small):
    return large[1] <= explain_pages.allowance(small[1], explain_pages.growth(large, small))


def test_a_page_that_shows_the_same_may_not_cost_more_than_three_times_plus_two_ms():
    assert flat(page(6.6), page(2.2))
    assert not flat(page(7.2), page(2.2))  # « climat financement » on 3 Dec, had it shown the same
    assert flat(page(2.2), page(0.3)) and not flat(page(2.4), page(0.3))  # the 2 ms floor
    assert not flat(page(150.0), page(0.6))  # the home page's old section blocks


def test_a_longer_page_may_cost_in_proportion_to_its_size():
    # A month's sitemap part: every story of its month, 70 times the bytes at 100 000 stories.
    assert flat(page(1.45, size=65_900), page(0.04, size=781))
    assert not flat(page(3.0, size=65_900), page(0.01, size=65_900))


def test_a_search_page_may_cost_in_proportion_to_the_stories_it_ranked():
    # Same bytes (twenty results); 57 matches ranked at 1 000 stories, the newest 201 at 100 000.
    assert flat(page(7.2, ranked=201), page(2.2, ranked=57))
    assert not flat(page(30.0, ranked=201), page(2.2, ranked=57))
    # Once both rank the capped 201 (100 000 against a million), no allowance is left.
    assert not flat(page(7.2, ranked=201), page(2.2, ranked=201))
    # A page ranking nothing on the small database gets no allowance from it.
    assert not flat(page(7.2, ranked=0), page(2.2, ranked=0))


@pytest.mark.django_db
def test_the_stories_a_search_page_ranked_are_read_from_its_response(client, monkeypatch):
    for n in range(5):
        make_article(headline=f"Rogoun, étape {n}")
    assert explain_pages.ranked(client.get("/recherche/", {"q": "Rogoun"})) == 5
    monkeypatch.setattr("articles.search.MAX_RESULTS", 3)  # « Plus de 3 résultats »: 4 were read
    cache.clear()  # as explain_pages does before each page
    assert explain_pages.ranked(client.get("/recherche/", {"q": "Rogoun"})) == 4
    assert explain_pages.ranked(client.get("/recherche/", {"q": "zorglub"})) == 0
    assert explain_pages.ranked(client.get("/")) is None
