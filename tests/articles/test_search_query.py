"""The query parser: what reaches the database is words, whatever the reader typed."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles import search
from articles.search.query import MAX_CLAUSES, MAX_QUERY_LENGTH, Clause, parse

VARIANTS = {
    ("astana",): (("Astana",), ("Nur", "Sultan")),
    ("nur", "sultan"): (("Astana",), ("Nur", "Sultan")),
    ("amu", "darya"): (("Amu", "Darya"), ("Amou", "Daria")),
}


def clauses(text):
    return parse(text, variants=VARIANTS).clauses


def test_words_phrases_exclusions_and_prefix():
    assert clauses('"énergie nucléaire" -gaz kazakh') == [
        Clause(alternatives=(("énergie", "nucléaire"),)),
        Clause(alternatives=(("gaz",),), negated=True),
        Clause(alternatives=(("kazakh",),), prefix=True),
    ]


def test_french_quotes_and_unbalanced_quotes_are_phrases():
    assert clauses("« barrage de Rogoun »") == [Clause(alternatives=(("barrage", "de", "Rogoun"),))]
    assert clauses('"barrage de') == [Clause(alternatives=(("barrage", "de"),))]


def test_variants_by_word_hyphen_and_run_of_words():
    astana = (("Astana",), ("Nur", "Sultan"))
    assert clauses("Nur-Sultan")[0].alternatives == astana
    assert clauses("nur sultan")[0].alternatives == astana
    assert clauses("ASTANA")[0].alternatives == astana
    assert clauses("crue Amu Darya")[1].alternatives == (("Amu", "Darya"), ("Amou", "Daria"))
    assert clauses("-Astana barrage")[0] == Clause(alternatives=astana, negated=True)


def test_apostrophes_and_hyphens_inside_words():
    assert clauses("l’énergie d'Almaty")[0].alternatives == (("énergie",),)
    assert clauses("Syr-Daria")[0].alternatives == (("Syr", "Daria"),)


def test_operators_control_characters_and_invisible_characters_are_separators():
    assert clauses("& | ! ( ) : * '") == []
    assert clauses("bar\x00rage") == [Clause(alternatives=(("bar",),)), Clause(alternatives=(("rage",),), prefix=True)]
    assert clauses("\u200bRogoun\u202e") == [Clause(alternatives=(("Rogoun",),), prefix=True)]


def test_size_limits():
    parsed = parse("mot " * 3000, variants={})
    assert parsed.truncated and len(parsed.text) <= MAX_QUERY_LENGTH
    assert len(parsed.clauses) == MAX_CLAUSES


@pytest.mark.django_db
@given(st.text(max_size=300))
def test_any_text_compiles_and_runs(text):
    """Whatever the text, the engine answers (no syntax error from the database, no exception)."""
    results = search.search(parse(text))
    assert results.count() >= 0
    assert isinstance(results[0:20], list)


# The results page as readers and bots reach it: any query, page number, sort and filters.
params = st.fixed_dictionaries(
    {"q": st.text(max_size=300)},
    optional={
        "page": st.one_of(st.integers(-5, 10**12).map(str), st.text(max_size=12)),
        "tri": st.one_of(st.sampled_from(["pertinence", "date"]), st.text(max_size=12)),
        "rubrique": st.text(max_size=20),
        "source": st.one_of(st.sampled_from(["redaction", "afp"]), st.text(max_size=12)),
        "du": st.one_of(st.dates().map(str), st.text(max_size=12)),
        "au": st.one_of(st.dates().map(str), st.text(max_size=12)),
    },
)


@pytest.mark.django_db
@given(query=params)
def test_the_results_page_never_answers_500(client, query):
    response = client.get("/recherche/", query)  # NUL bytes and odd Unicode included
    assert response.status_code in (200, 404), (query, response.status_code)
