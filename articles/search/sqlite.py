"""SQLite search: an FTS5 table (diacritics removed) kept in sync with articles by triggers.

`articles_search_fts` holds, per article (rowid = article id), the headline, the lead (kicker and
standfirst), the tag names and the body as text. Triggers on articles and taggit's tables keep it
current on every write; they call `articles_search_text()`, a Python function registered on every
connection (see `register_functions`), to strip the body's markup. No stemming: a word also matches
as the start of a longer one once a final « s » or « x » is dropped, which covers most French plurals.
"""

import html
import re

from django.db import connection
from django.db.models.expressions import RawSQL

TABLE = "articles_search_fts"
ARTICLE_CT = "(SELECT id FROM django_content_type WHERE app_label = 'articles' AND model = 'article')"
TAGS_OF = (
    "(SELECT coalesce(group_concat(t.name, ' '), '') FROM taggit_taggeditem ti JOIN taggit_tag t ON t.id = ti.tag_id"
    " WHERE ti.object_id = {id} AND ti.content_type_id = " + ARTICLE_CT + ")"
)
MIN_PREFIX_LENGTH = 4
# Standalone words too common to narrow a search (phrases keep them).
STOP_WORDS = frozenset(
    [
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "eux",
        "il",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "lui",
        "ma",
        "mais",
        "me",
        "meme",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
    ]
)

INSTALL = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(
        headline, lead, tags, body, tokenize = "unicode61 remove_diacritics 2")""",
    f"""CREATE TRIGGER IF NOT EXISTS articles_search_insert AFTER INSERT ON articles_article BEGIN
        INSERT INTO {TABLE} (rowid, headline, lead, tags, body) VALUES (
            new.id, new.headline, new.kicker || ' ' || new.standfirst, {TAGS_OF.format(id="new.id")},
            articles_search_text(new.body));
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS articles_search_update
        AFTER UPDATE OF headline, kicker, standfirst, body ON articles_article BEGIN
        UPDATE {TABLE} SET headline = new.headline, lead = new.kicker || ' ' || new.standfirst,
            body = articles_search_text(new.body) WHERE rowid = new.id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS articles_search_delete AFTER DELETE ON articles_article BEGIN
        DELETE FROM {TABLE} WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS articles_search_tag_insert AFTER INSERT ON taggit_taggeditem
        WHEN new.content_type_id = {ARTICLE_CT} BEGIN
        UPDATE {TABLE} SET tags = {TAGS_OF.format(id="new.object_id")} WHERE rowid = new.object_id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS articles_search_tag_delete AFTER DELETE ON taggit_taggeditem
        WHEN old.content_type_id = {ARTICLE_CT} BEGIN
        UPDATE {TABLE} SET tags = {TAGS_OF.format(id="old.object_id")} WHERE rowid = old.object_id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS articles_search_tag_update AFTER UPDATE ON taggit_taggeditem BEGIN
        UPDATE {TABLE} SET tags = {TAGS_OF.format(id="old.object_id")} WHERE rowid = old.object_id;
        UPDATE {TABLE} SET tags = {TAGS_OF.format(id="new.object_id")} WHERE rowid = new.object_id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS articles_search_tag_rename AFTER UPDATE OF name ON taggit_tag BEGIN
        UPDATE {TABLE} SET tags = {TAGS_OF.format(id=TABLE + ".rowid")} WHERE rowid IN (
            SELECT object_id FROM taggit_taggeditem WHERE tag_id = new.id AND content_type_id = {ARTICLE_CT});
    END""",
]
TRIGGERS = [
    "articles_search_insert",
    "articles_search_update",
    "articles_search_delete",
    "articles_search_tag_insert",
    "articles_search_tag_delete",
    "articles_search_tag_update",
    "articles_search_tag_rename",
]
UNINSTALL = [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS] + [f"DROP TABLE IF EXISTS {TABLE}"]

_TAG = re.compile(r"<[^>]*>")
BM25 = f"bm25({TABLE}, 10.0, 4.0, 4.0, 1.0)"


def search_text(value):
    """Body HTML as plain text: what the index stores and snippets quote."""
    return html.unescape(_TAG.sub(" ", value or ""))


def register_functions(sender=None, connection=None, **kwargs):
    """connection_created receiver: the function the triggers call, on every SQLite connection."""
    if connection is not None and connection.vendor == "sqlite":
        connection.connection.create_function("articles_search_text", 1, search_text, deterministic=True)


def _phrase(words):
    return '"' + " ".join(words) + '"'


def _term(words, prefix):
    # FTS5 strings: double quotes around tokens of letters and digits only, so no syntax gets through.
    if len(words) == 1:
        word = words[0].casefold()
        if prefix or len(word) >= MIN_PREFIX_LENGTH:
            stem = word[:-1] if len(word) > MIN_PREFIX_LENGTH and word[-1] in "sx" else word
            return f'"{stem}"*'
    return _phrase(words)


def compile_query(parsed):
    """The FTS5 MATCH expression for a parsed query; "" when nothing is searchable."""

    def clause_expression(clause):
        alternatives = [
            _term(words, clause.prefix)
            for words in clause.alternatives
            if len(words) > 1 or clause.negated or words[0].casefold() not in STOP_WORDS
        ]
        if not alternatives:
            return ""
        return alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")"

    positive = [e for e in map(clause_expression, parsed.positive) if e]
    if not positive:
        return ""
    expression = " AND ".join(positive)
    negative = [e for e in map(clause_expression, parsed.negative) if e]
    if negative:
        expression = f"({expression}) NOT ({' OR '.join(negative)})"
    return expression


def matching(queryset, match):
    return queryset.extra(
        where=[f"articles_article.id IN (SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s)"], params=[match]
    )


def newest(queryset, match, *, limit, now=None, half_life=None):
    """The `limit` newest matches as (pk, publish time, score); score 0 without `now`.

    Two queries, not one join: joined, SQLite walks the stories by publish time and runs the full-text
    query once per story (0.25 s for 1 000 stories and three words); here the MATCH runs once for the
    ids, then bm25() only for the rows kept. The score is bm25 divided by the recency decay.
    """
    matched = matching(queryset, match).order_by("-publish_at", "-id").values_list("pk", "publish_at")
    rows = list(matched[:limit])
    if now is None or not rows:
        return [(pk, published, 0.0) for pk, published in rows]
    relevance = _relevance(match, [pk for pk, _ in rows])
    return [
        (pk, published, relevance[pk] / (1 + max(now.timestamp() - published.timestamp(), 0) / half_life))
        for pk, published in rows
    ]


def _relevance(match, ids):
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid, -{BM25} FROM {TABLE} WHERE {TABLE} MATCH %s AND rowid IN ({placeholders})",
            [match, *ids],
        )
        return dict(cursor.fetchall())


def exists(queryset, match):
    return matching(queryset, match).exists()


def subquery(match):
    return RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [match])


def marks(ids, match):
    """{article id: (marked headline, marked snippet)} for the page's articles only."""
    if not ids:
        return {}
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid, highlight({TABLE}, 0, char(2), char(3)),"
            f" snippet({TABLE}, 1, char(2), char(3), char(1), 24), snippet({TABLE}, 3, char(2), char(3), char(1), 24)"
            f" FROM {TABLE} WHERE {TABLE} MATCH %s AND rowid IN ({placeholders})",
            [match, *ids],
        )
        result = {}
        for pk, headline, lead, body in cursor.fetchall():
            # The standfirst's snippet when it holds a match, else the body's (or the standfirst's start).
            snippet = lead if "\x02" in lead or "\x02" not in body else body
            result[pk] = (headline, snippet if snippet.strip("\x01 ") else body)
        return result


def install(schema_editor):
    register_functions(connection=schema_editor.connection)
    for statement in INSTALL:
        schema_editor.execute(statement)


def uninstall(schema_editor):
    for statement in UNINSTALL:
        schema_editor.execute(statement)


def rebuild():
    """Refill the index from the articles table (after a restore or a change of tokenizer)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(
            f"INSERT INTO {TABLE} (rowid, headline, lead, tags, body) SELECT id, headline, kicker || ' ' || standfirst,"
            f" {TAGS_OF.format(id='articles_article.id')}, articles_search_text(body) FROM articles_article"
        )
        cursor.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('optimize')")
        cursor.execute("SELECT count(*) FROM articles_article")
        return cursor.fetchone()[0]
