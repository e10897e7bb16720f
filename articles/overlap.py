"""How much of a rewrite is copied word for word from the dispatch it is based on.

The figure is the share of the rewrite's 8-word sequences (shingles) that also occur in the
dispatch. Eight words is long enough that a shared sequence is copying rather than common phrasing
(« le président français Emmanuel Macron » is five), short enough that one copied sentence counts.
"""

import html
import re

from django.conf import settings

SHINGLE_WORDS = 8
TAG = re.compile(r"<[^>]*>")
# \w keeps accented letters; apostrophes, guillemets and other punctuation split words.
WORD = re.compile(r"\w+")


def words(text):
    """Lower-cased words of `text` (HTML or plain), punctuation and tags removed, accents kept."""
    return WORD.findall(html.unescape(TAG.sub(" ", text or "")).lower())


def shingles(word_list, n=SHINGLE_WORDS):
    return [tuple(word_list[i : i + n]) for i in range(len(word_list) - n + 1)]


def overlap(rewrite, dispatch, *, n=SHINGLE_WORDS):
    """Share (0–1) of the rewrite's n-word sequences found in the dispatch; None when the rewrite is too short."""
    ours = shingles(words(rewrite), n)
    if not ours:
        return None
    theirs = set(shingles(words(dispatch), n))
    return sum(1 for s in ours if s in theirs) / len(ours)


def article_text(article, *, with_headline=False):
    parts = [article.headline] if with_headline else []
    return "\n".join([*parts, article.standfirst, article.body])


def article_overlap(article):
    """Overlap of an in-house article's standfirst and body with its dispatch (all of its text), or None."""
    if article.based_on is None:
        return None
    return overlap(article_text(article), article_text(article.based_on, with_headline=True))


def is_copy(ratio):
    return ratio is not None and ratio > settings.OVERLAP_WARNING_THRESHOLD
