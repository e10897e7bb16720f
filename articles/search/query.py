"""A reader's query, parsed once for every backend: words, "phrases", -exclusions, name variants.

Nothing a reader types reaches a database as syntax: words are runs of letters and digits, everything
else (tsquery or FTS5 operators, quotes left open, NUL bytes, symbols) only separates them. The backends
then build their own query from these clauses, with each word as a bound parameter.
"""

import re
import unicodedata
import uuid
from dataclasses import dataclass, field

from articles.cache_safety import cache_call

MAX_QUERY_LENGTH = 200
MAX_CLAUSES = 10
MAX_VARIANT_WORDS = 4
MIN_PREFIX_LENGTH = 3
VARIANTS_VERSION_KEY = "search:variants:version"
VARIANTS_CACHE_SECONDS = 300

# A word: letters and digits (any script), hyphen-joined parts kept together (« Nur-Sultan »).
WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
PART = re.compile(r"[^\W_]+")
# A term: an optional leading minus, then a "quoted phrase" (closed or not) or a word.
TERM = re.compile(r'(?:(?<![^\W_])(?P<neg>-))?(?:"(?P<phrase>[^"]*)(?:"|$)|(?P<word>[^\W_]+(?:-[^\W_]+)*))')
QUOTES = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "„": '"'})


def fold(text):
    """Lower case without diacritics: the form variants are matched on (« Tokaïev » → « tokaiev »)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def clean(raw):
    """The query as the reader meant it: NFKC, no control or invisible characters, at most 200 characters."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") else c for c in text)
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_LENGTH:
        text = text[:MAX_QUERY_LENGTH].rsplit(" ", 1)[0] if " " in text[:MAX_QUERY_LENGTH] else text[:MAX_QUERY_LENGTH]
    return text


@dataclass(frozen=True)
class Clause:
    """One term of the query: any of `alternatives` (each a phrase, a tuple of words) must match, or
    must not when `negated`. `prefix`: the single word also matches as the start of a longer word."""

    alternatives: tuple
    negated: bool = False
    prefix: bool = False


@dataclass
class ParsedQuery:
    text: str
    clauses: list = field(default_factory=list)
    truncated: bool = False

    @property
    def positive(self):
        return [clause for clause in self.clauses if not clause.negated]

    @property
    def negative(self):
        return [clause for clause in self.clauses if clause.negated]

    @property
    def words(self):
        """The reader's own single words (not phrases, not excluded), for suggestions."""
        return [c.alternatives[0][0] for c in self.positive if len(c.alternatives[0]) == 1]

    def __bool__(self):
        return bool(self.positive)


def variant_index():
    """{folded spelling as a tuple of words: tuple of every spelling of its groups (as word tuples)}.

    Kept per process under the version the shared cache holds: a request reads that short key, not
    the whole index. forget_variants() sets a new version, which every process sees on its next
    search; the key expires after VARIANTS_CACHE_SECONDS, so a change made outside the admin shows
    within that too. The version is read before the table, so a save between the two only makes
    the next request read the table again. With the cache unreachable, the table is read each time.
    """
    version = cache_call("get", VARIANTS_VERSION_KEY)
    if version is None and cache_call("add", VARIANTS_VERSION_KEY, uuid.uuid4().hex, VARIANTS_CACHE_SECONDS):
        version = cache_call("get", VARIANTS_VERSION_KEY)
    if version is not None and _variants["version"] == version:
        return _variants["index"]
    index = _read_variants()
    if version is not None:
        _variants.update(version=version, index=index)
    return index


_variants = {"version": None, "index": None}


def _read_variants():
    from articles.models import SearchVariant

    index = {}
    for group in SearchVariant.objects.all():
        spellings = tuple(tuple(PART.findall(spelling)) for spelling in group.spelling_list())
        folded = {}
        for spelling in spellings:
            if spelling:
                folded.setdefault(tuple(fold(word) for word in spelling), spelling)
        spellings = tuple(folded.values())
        for spelling in spellings:
            key = tuple(fold(word) for word in spelling)
            merged = index.get(key, ()) + tuple(s for s in spellings if s not in index.get(key, ()))
            index[key] = merged
    return index


def forget_variants():
    """Called when the variants table changes (after the commit), so the next query sees it."""
    cache_call("set", VARIANTS_VERSION_KEY, uuid.uuid4().hex, VARIANTS_CACHE_SECONDS)
    _variants.update(version=None, index=None)


def _units(text):
    """(words, negated, quoted) for each term of the text, in order."""
    for match in TERM.finditer(text.translate(QUOTES)):
        negated = bool(match["neg"])
        if match["phrase"] is not None:
            words = tuple(PART.findall(match["phrase"]))
            quoted = True
        else:
            words = tuple(PART.findall(match["word"]))
            quoted = False
        if words:
            yield words, negated, quoted


def parse(raw, *, variants=None):
    """Parse what the reader typed into clauses; `variants` defaults to the variants table."""
    text = clean(raw)
    parsed = ParsedQuery(text=text, truncated=len(" ".join((raw or "").split())) > len(text))
    units = [u for u in _units(text) if not (len(u[0]) == 1 and len(u[0][0]) < 2 and not u[0][0].isdigit())]
    if not units:
        return parsed
    index = variant_index() if variants is None else variants
    clauses, last_quoted, i = [], False, 0
    while i < len(units):
        words, negated, quoted = units[i]
        span, expansion = 1, None
        # Longest run of plain words (or the one quoted/negated term) that spells a known variant.
        limit = 1 if (negated or quoted) else MAX_VARIANT_WORDS
        for j in range(min(len(units), i + limit), i, -1):
            run = units[i:j]
            if j - i > 1 and any(negated_ or quoted_ for _, negated_, quoted_ in run):
                continue
            key = tuple(fold(word) for unit in run for word in unit[0])
            if key in index:
                span, expansion = j - i, index[key]
                break
        if expansion:
            clause = Clause(alternatives=expansion, negated=negated)
        else:
            clause = Clause(alternatives=(words,), negated=negated)
        clauses.append(clause)
        last_quoted = quoted
        i += span
        if len(clauses) == MAX_CLAUSES:
            break
    # Prefix on the last plain word, as the reader is still typing it (« kazakh » → Kazakhstan).
    last = clauses[-1]
    last_words = last.alternatives[0]
    if (
        not last.negated
        and len(last.alternatives) == 1
        and len(last_words) == 1
        and not last_quoted
        and len(last_words[0]) >= MIN_PREFIX_LENGTH
    ):
        clauses[-1] = Clause(alternatives=last.alternatives, prefix=True)
    parsed.clauses = clauses
    return parsed
