"""Full-text search of articles: the one entry point the public page and the admin call.

`search()` parses the reader's query (articles/search/query.py), compiles it for the database in use
(postgres.py: tsvector + French stemmer + unaccent; sqlite.py: FTS5) and returns lazily paginated,
ranked results. An external engine (OpenSearch) past a few million stories would plug in here.
Keep this module free of model imports at load time: articles/models.py imports the variants model.
"""

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

RELEVANCE, DATE = "pertinence", "date"
# Recency decay: an equally relevant story loses half its score after this many days.
HALF_LIFE_DAYS = 90
MAX_SUGGESTED_WORDS = 4
# Past this many matches the count says « plus de 200 » and relevance ranks the newest 200 matches:
# the cost of a page stays bounded however common the words are (see docs/search.md, « Ranking »).
MAX_RESULTS = 200
# The columns templates/articles/search.html reads of a result.
RESULT_FIELDS = (
    "headline", "slug", "kicker", "standfirst", "publish_at", "section__name", "section__slug",
    "source__name", "source__credit", "source__is_agency",
)  # fmt: skip


def backend():
    from articles.search import postgres, sqlite

    return postgres if connection.vendor == "postgresql" else sqlite


def mark(text):
    """Safe HTML of a highlighted text: escaped, matches in <mark>, fragments joined by « … »."""
    if not text:
        return ""
    marked = escape(text).replace("\x02", "<mark>").replace("\x03", "</mark>").replace("\x01", " … ")
    return mark_safe(marked)  # noqa: S308 — escaped on the line above; only our markers become tags


class SearchResults:
    """Matching articles, best first; Paginator-friendly: count() and every page come from one read."""

    def __init__(self, queryset, compiled, *, sort=RELEVANCE, now=None):
        self.queryset, self.compiled, self.sort = queryset, compiled, sort
        self.now = now or timezone.now()
        self._newest = None
        self.engine = backend()

    def newest(self):
        """The newest MAX_RESULTS + 1 matches as (pk, publish time, score), newest first.

        The count, the relevance order and the date order of every page are all read from these rows,
        read once per request: however common the words, the page reads MAX_RESULTS + 1 matches
        (docs/search.md, « Ranking »).
        """
        if self._newest is None:
            if not self.compiled:
                self._newest = []
            else:
                now = None if self.sort == DATE else self.now
                self._newest = self.engine.newest(
                    self.queryset, self.compiled, limit=MAX_RESULTS + 1, now=now, half_life=HALF_LIFE_DAYS * 86400
                )
        return self._newest

    def count(self):
        """Matches, at most MAX_RESULTS (what can be paged through); `more` says if there are others."""
        return min(len(self.newest()), MAX_RESULTS)

    @property
    def more(self):
        return len(self.newest()) > MAX_RESULTS

    def exists(self):
        if self._newest is not None:
            return bool(self._newest)
        return bool(self.compiled) and self.engine.exists(self.queryset, self.compiled)

    def __len__(self):
        return self.count()

    def __getitem__(self, window):
        if not isinstance(window, slice):
            raise TypeError("SearchResults only slices")
        rows = self.newest()[:MAX_RESULTS]
        if self.sort != DATE:
            # Best score first, then newest: the same order SQL would give, over the same rows.
            rows = sorted(rows, key=lambda row: (row[2], row[1], row[0]), reverse=True)
        return self._page([row[0] for row in rows[window]])

    def _page(self, ids):
        from articles.models import Article

        # What search.html shows of a result, no more: for_listing()'s picture and live blog joins
        # would double the columns read and the planning of a query already busy with ts_headline.
        articles = Article.objects.filter(pk__in=ids).select_related("section", "source").only(*RESULT_FIELDS)
        if self.engine.__name__.endswith("postgres"):
            by_id = {a.pk: a for a in self.engine.highlighted(articles, self.compiled)}
        else:
            by_id = {a.pk: a for a in articles}
            for pk, (headline, snippet) in self.engine.marks(ids, self.compiled).items():
                by_id[pk].headline_marked, by_id[pk].snippet_marked = headline, snippet
        page = [by_id[pk] for pk in ids if pk in by_id]
        for article in page:
            article.headline_html = mark(getattr(article, "headline_marked", "")) or escape(article.headline)
            article.snippet_html = mark(getattr(article, "snippet_marked", ""))
            # The template's date:'c' (the same text) cost 1.8 ms for 20 results.
            article.publish_iso = timezone.localtime(article.publish_at).isoformat()
        return page


def compile_query(parsed):
    return backend().compile_query(parsed) if parsed else ""


def search(parsed, *, queryset=None, sort=RELEVANCE, now=None):
    """Published articles matching a parsed query (articles.search.query.parse), as SearchResults."""
    from articles.models import Article

    if queryset is None:
        queryset = Article.objects.published()
    return SearchResults(queryset, compile_query(parsed), sort=sort, now=now)


def filter_queryset(queryset, text):
    """`queryset` narrowed to what `text` finds, drafts included (the admin's search), or None when
    `text` has no searchable word (the caller then falls back to its own search)."""
    from articles.search.query import parse

    compiled = compile_query(parse(text))
    if not compiled:
        return None
    # One subquery, a union: `pk IN (engine) OR wire_guid = …` made PostgreSQL test every story of
    # the list against both (158 ms at 100 000 stories, 3 ms for the engine's read alone).
    found = backend().subquery(compiled)
    table = queryset.model._meta.db_table
    guid = f'SELECT "id" FROM "{table}" WHERE "wire_guid" = %s AND "wire_guid" <> \'\''  # noqa: S608 - _meta name
    return queryset.filter(pk__in=RawSQL(f"{found.sql} UNION {guid}", [*found.params, text.strip()]))  # noqa: S611


def suggest(parsed, *, queryset=None):
    """A spelling of the query that finds published stories (« Tokaev » → « Tokaïev »), or "".

    Each word the vocabulary does not know is replaced by its nearest known word (pg_trgm); the
    suggestion is offered only if it finds something, so a word seen only in a draft never leaks.
    PostgreSQL only: SQLite has no trigram index.
    """
    engine = backend()
    if not hasattr(engine, "suggestions") or not parsed:
        return ""
    from articles.search.query import parse

    words, changed = [], False
    for word in parsed.text.split():
        core = word.strip("\"«»()-*:&|!'")
        if len(core) < 4 or len(words) >= MAX_SUGGESTED_WORDS or engine.is_known(core):
            words.append(word)
            continue
        candidates = engine.suggestions(core, limit=1)
        if candidates:
            words.append(word.replace(core, candidates[0]))
            changed = True
        else:
            words.append(word)
    if not changed:
        return ""
    suggestion = " ".join(words)
    return suggestion if search(parse(suggestion), queryset=queryset).exists() else ""
