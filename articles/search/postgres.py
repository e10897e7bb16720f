"""PostgreSQL full-text search: a weighted tsvector per article kept by triggers, French + unaccent.

`articles_article.search_vector` is a column only the database knows (no model field): a BEFORE
INSERT/UPDATE trigger computes it from the headline (weight A), kicker, standfirst and tag names (B) and
the body with its markup stripped (C); statement triggers on taggit's tables recompute the articles whose
tags changed. So every write path — admin, workflow, wire, revision restore, bulk inserts, raw SQL —
keeps it current. `articles_searchterm` is the vocabulary (every word of four letters or more)
that typo suggestions pick from with pg_trgm.
"""

import math
import time

from django.db import connection
from django.db.models import Q, TextField
from django.db.models.expressions import RawSQL

CONFIG = "french_unaccent"
ARTICLE_CT = "(SELECT id FROM django_content_type WHERE app_label = 'articles' AND model = 'article')"

INSTALL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{CONFIG}') THEN
            CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = french);
            ALTER TEXT SEARCH CONFIGURATION {CONFIG}
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
        END IF;
    END $$""",
    # Body HTML as text: markup out, the entities the sanitiser writes decoded.
    r"""CREATE OR REPLACE FUNCTION articles_search_text(html text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT replace(replace(replace(replace(replace(replace(
            regexp_replace(coalesce(html, ''), '<[^>]*>', ' ', 'g'),
            '&nbsp;', ' '), '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''), '&amp;', '&')
    $$""",
    f"""CREATE OR REPLACE FUNCTION articles_search_document(
            article_id bigint, headline text, kicker text, standfirst text, body text) RETURNS tsvector
        LANGUAGE sql STABLE AS $$
        SELECT setweight(to_tsvector('{CONFIG}', coalesce(headline, '')), 'A')
            || setweight(to_tsvector('{CONFIG}', coalesce(kicker, '') || ' ' || coalesce(standfirst, '') || ' '
                || coalesce((SELECT string_agg(t.name, ' ') FROM taggit_taggeditem ti
                             JOIN taggit_tag t ON t.id = ti.tag_id
                             WHERE ti.object_id = article_id AND ti.content_type_id = {ARTICLE_CT}), '')), 'B')
            || setweight(to_tsvector('{CONFIG}', articles_search_text(body)), 'C')
    $$""",
    """CREATE TABLE IF NOT EXISTS articles_searchterm (
        word text PRIMARY KEY, display text NOT NULL, normalized text NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS articles_searchterm_trgm ON articles_searchterm USING gin (normalized gin_trgm_ops)",
    """CREATE OR REPLACE FUNCTION articles_search_terms(content text) RETURNS void LANGUAGE sql AS $$
        INSERT INTO articles_searchterm (word, display, normalized)
        SELECT DISTINCT ON (lower(token)) lower(token), token, unaccent(lower(token))
        FROM ts_parse('default', content) WHERE tokid IN (1, 2) AND char_length(token) >= 4
        ORDER BY lower(token), token
        ON CONFLICT (word) DO NOTHING
    $$""",
    """CREATE OR REPLACE FUNCTION articles_article_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        text_changed boolean := TG_OP = 'INSERT' OR NEW.headline IS DISTINCT FROM OLD.headline
            OR NEW.kicker IS DISTINCT FROM OLD.kicker OR NEW.standfirst IS DISTINCT FROM OLD.standfirst
            OR NEW.body IS DISTINCT FROM OLD.body;
    BEGIN
        IF text_changed OR NEW.search_vector IS NULL THEN
            NEW.search_vector := articles_search_document(NEW.id, NEW.headline, NEW.kicker, NEW.standfirst, NEW.body);
        END IF;
        IF text_changed THEN
            PERFORM articles_search_terms(concat_ws(' ', NEW.headline, NEW.kicker, NEW.standfirst,
                                                    articles_search_text(NEW.body)));
        END IF;
        RETURN NEW;
    END $$""",
    "ALTER TABLE articles_article ADD COLUMN IF NOT EXISTS search_vector tsvector",
    "DROP TRIGGER IF EXISTS articles_article_search ON articles_article",
    """CREATE TRIGGER articles_article_search BEFORE INSERT OR UPDATE ON articles_article
        FOR EACH ROW EXECUTE FUNCTION articles_article_search_trigger()""",
    "CREATE INDEX IF NOT EXISTS articles_article_search_idx ON articles_article USING gin (search_vector)",
    # Setting the vector to NULL makes the row trigger recompute it with the current tags.
    f"""CREATE OR REPLACE FUNCTION articles_taggeditem_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE articles_article SET search_vector = NULL
        WHERE id IN (SELECT object_id FROM changed_items WHERE content_type_id = {ARTICLE_CT});
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS articles_taggeditem_search_insert ON taggit_taggeditem",
    "DROP TRIGGER IF EXISTS articles_taggeditem_search_delete ON taggit_taggeditem",
    "DROP TRIGGER IF EXISTS articles_taggeditem_search_update ON taggit_taggeditem",
    """CREATE TRIGGER articles_taggeditem_search_insert AFTER INSERT ON taggit_taggeditem
        REFERENCING NEW TABLE AS changed_items FOR EACH STATEMENT
        EXECUTE FUNCTION articles_taggeditem_search_trigger()""",
    """CREATE TRIGGER articles_taggeditem_search_delete AFTER DELETE ON taggit_taggeditem
        REFERENCING OLD TABLE AS changed_items FOR EACH STATEMENT
        EXECUTE FUNCTION articles_taggeditem_search_trigger()""",
    """CREATE TRIGGER articles_taggeditem_search_update AFTER UPDATE ON taggit_taggeditem
        REFERENCING NEW TABLE AS changed_items FOR EACH STATEMENT
        EXECUTE FUNCTION articles_taggeditem_search_trigger()""",
    f"""CREATE OR REPLACE FUNCTION articles_tag_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE articles_article SET search_vector = NULL WHERE id IN (
            SELECT object_id FROM taggit_taggeditem WHERE tag_id = NEW.id AND content_type_id = {ARTICLE_CT});
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS articles_tag_search ON taggit_tag",
    """CREATE TRIGGER articles_tag_search AFTER UPDATE OF name ON taggit_tag
        FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION articles_tag_search_trigger()""",
]

UNINSTALL = [
    "DROP TRIGGER IF EXISTS articles_tag_search ON taggit_tag",
    "DROP TRIGGER IF EXISTS articles_taggeditem_search_insert ON taggit_taggeditem",
    "DROP TRIGGER IF EXISTS articles_taggeditem_search_delete ON taggit_taggeditem",
    "DROP TRIGGER IF EXISTS articles_taggeditem_search_update ON taggit_taggeditem",
    "DROP TRIGGER IF EXISTS articles_article_search ON articles_article",
    "ALTER TABLE articles_article DROP COLUMN IF EXISTS search_vector",
    "DROP TABLE IF EXISTS articles_searchterm",
    "DROP FUNCTION IF EXISTS articles_tag_search_trigger, articles_taggeditem_search_trigger,"
    " articles_article_search_trigger, articles_search_terms, articles_search_document, articles_search_text",
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}",
]

MATCH = "articles_article.search_vector @@ %s::tsquery"
# ts_rank normalisation 32 (rank / (rank + 1)) keeps relevance in 0–1; then divided by the recency decay.
SCORE_OF = "ts_rank({vector}, %s::tsquery, 32) / (1 + greatest(%s - extract(epoch FROM {published}), 0) / %s)"
SCORE = SCORE_OF.format(vector="articles_article.search_vector", published="articles_article.publish_at")
HEADLINE_OPTIONS = 'HighlightAll=true, StartSel="\x02", StopSel="\x03"'
# ts_headline parses and stems all the text it is given: snippets of 20 stories of 7 000 characters
# take 17 ms, of their first 3 000 characters (standfirst and opening paragraphs) 7 ms (best of 5).
SNIPPET_CHARACTERS = 3000
SNIPPET_OPTIONS = 'MaxFragments=2, MinWords=10, MaxWords=28, FragmentDelimiter="\x01", StartSel="\x02", StopSel="\x03"'


def compile_query(parsed):
    """The tsquery (as text) for a parsed query, stemmed by PostgreSQL; "" when nothing is searchable."""
    sql, params = [], []

    def clause_sql(clause):
        parts = []
        for words in clause.alternatives:
            if clause.prefix:
                # Words are letters and digits only; the quotes make them one lexeme whatever the script.
                parts.append(f"to_tsquery('{CONFIG}', %s)")
                params.append(f"'{words[0]}':*")
            else:
                parts.append(f"phraseto_tsquery('{CONFIG}', %s)")
                params.append(" ".join(words))
        return "(" + " || ".join(parts) + ")"

    for clause in parsed.positive:
        sql.append(clause_sql(clause))
    expression = " && ".join(sql)
    negative = [clause_sql(clause) for clause in parsed.negative]
    if negative:
        expression = f"({expression}) && !!({' || '.join(negative)})"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({expression})::text", params)
        text = cursor.fetchone()[0] or ""
    # A query of stop words only, or one whose every positive term vanished, searches nothing.
    return "" if not text or text.lstrip().startswith("!") else text


def matching(queryset, tsquery):
    """`queryset` narrowed to matches. The condition names the table: never nest the result as a
    `pk__in` subquery (Django re-aliases it and the test would read the outer row); use subquery()."""
    return queryset.extra(where=[MATCH], params=[tsquery])


def ranked(queryset, tsquery, *, now, half_life):
    return (
        matching(queryset, tsquery)
        .annotate(score=RawSQL(SCORE, [tsquery, now.timestamp(), half_life]))
        .order_by("-score", "-publish_at", "-id")
    )


# How newest() reads the newest matches. Walking the (status, publish time) index newest first and
# testing each story is cheap when the words are common (« projet »: about 210 stories for 201
# matches); reading the matches from the GIN index, then sorting, is cheap when they are rare. The
# planner picks one from per-word statistics, and for an AND of words a wrong guess is unbounded: at
# LIMIT 201 it walked 25 000 of 100 000 stories for « gazier eau » (823 matches: 370 ms against 20 ms
# from the index). So a probe walk of the newest stories measures the hit rate, and the rest is read
# the cheaper way for that rate, each read bounded (docs/search.md, « Ranking »): a walk on when it
# should be short; else the matches of the window of publish times that should hold the rest, which
# PostgreSQL reads by ANDing the GIN index with the publish-time index, so that only the window's
# matches are fetched; or, when that window would be a good part of the archive, every match.
BITMAP_COST = 3  # a match read through the GIN index costs about three stories walked (EXPLAIN, 100 000)
WALK_MAX = 5000  # stories: past this a walk (2–3 µs a story) costs more than reading a window
WALK_FENCE = 4  # a walk gives up after 4× the stories its hit rate predicted, then reads the GIN index
# The window holds more stories than the hit rate predicts, the more so as the probe found few
# matches (its hit rate is then a rougher guess), so that it seldom falls short: widening it costs
# 0.1 µs a story in the publish-time index, falling short one more read (of every older match).
WINDOW_MARGIN = 4
WINDOW_MAX = 0.2  # of the stories: a wider window costs more to read than every match
VECTOR = RawSQL("articles_article.search_vector", [], output_field=TextField())


def newest(queryset, tsquery, *, limit, now=None, half_life=None):
    """The `limit` newest matches of `queryset`, newest first, as (pk, publish time, score): the
    relevance (SCORE) when `now` is given, else 0. One query when the words are common, at most four
    (and the story count every 5 minutes)."""
    scoring = (tsquery, now.timestamp(), half_life) if now else None
    probe = 2 * limit
    found = _walk(queryset, tsquery, scoring, fence=probe, need=limit)
    if len(found) == limit:
        return found
    older = _older(queryset, found[-1]) if found else queryset
    if found:
        hit_rate, rest = len(found) / probe, limit - len(found)
        stories = rest / hit_rate  # what the rest should take at the probe's hit rate
        window = stories * (1 + WINDOW_MARGIN / math.sqrt(len(found)))
        if stories <= WALK_MAX and stories < BITMAP_COST * hit_rate * _stories():
            found += _walk(older, tsquery, scoring, fence=int(WALK_FENCE * stories), need=rest)
            older = _older(queryset, found[-1])
        elif window < WINDOW_MAX * _stories():
            walked, newest_at, edge = _span(queryset, fence=probe)
            if walked < probe:
                return found  # the probe tested every story of the queryset
            if newest_at > edge:
                # The window's publish times, at the pace of publication of the stories the probe walked.
                since = edge - (newest_at - edge) * (window / walked)
                found += _bitmap(older.filter(publish_at__gte=since), tsquery, scoring, need=rest)
                older = queryset.filter(publish_at__lt=since)
    if len(found) < limit:
        found += _bitmap(older, tsquery, scoring, need=limit - len(found))
    return found


def _score(scoring, vector, published):
    if scoring is None:
        return "0", []
    return SCORE_OF.format(vector=vector, published=published), list(scoring)


def _walk(queryset, tsquery, scoring, *, fence, need):
    """The first `need` matches among the newest `fence` stories: the limit inside keeps the planner
    on the publish-time index, and stops the walk there. It is WITH TIES on the publish time alone,
    the index's order: ordering the walk by (publish time, id) made PostgreSQL sort every story
    walked, a fifth of the walk's time; with the ties kept, the window still holds every story newer
    than any match it returns, so _older() resumes from the last one without missing any."""
    stories = queryset.order_by("-publish_at").annotate(vector=VECTOR).values("pk", "publish_at", "vector")
    sql, params = stories.query.sql_with_params()
    score, score_params = _score(scoring, "vector", "publish_at")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pk, publish_at, {score} FROM ({sql} FETCH FIRST %s ROWS WITH TIES) AS stories"
            " WHERE vector @@ %s::tsquery ORDER BY publish_at DESC, pk DESC LIMIT %s",
            [*score_params, *params, fence, tsquery, need],
        )
        return cursor.fetchall()


def _span(queryset, *, fence):
    """How many stories the walk of the newest `fence` tested, and the newest and oldest one's
    publish times (0.1 ms). A separate read: as a window function, the walk would test every story
    of its fence however early it found its matches, and keep them all before answering (5 ms for
    a walk of 4 500 stories)."""
    sql, params = queryset.order_by("-publish_at").values("publish_at").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), max(publish_at), min(publish_at) FROM ({sql} FETCH FIRST %s ROWS WITH TIES) AS fenced",
            [*params, fence],
        )
        return cursor.fetchone()


def _bitmap(queryset, tsquery, scoring, *, need):
    """The newest `need` matches read from the GIN index: a MATERIALIZED CTE is planned for all its
    rows, so no LIMIT can tempt the planner into a walk; the score is computed for the rows kept.
    Unordered inside (the model's ordering sorted every match before `kept` sorted them again)."""
    sql, params = matching(queryset, tsquery).order_by().values("pk", "publish_at").query.sql_with_params()
    score, score_params = _score(scoring, "articles_article.search_vector", "articles_article.publish_at")
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH matches AS MATERIALIZED ({sql}),"
            " kept AS (SELECT pk, publish_at FROM matches ORDER BY publish_at DESC, pk DESC LIMIT %s)"
            f" SELECT kept.pk, kept.publish_at, {score} FROM kept"
            " JOIN articles_article ON articles_article.id = kept.pk ORDER BY kept.publish_at DESC, kept.pk DESC",
            [*params, need, *score_params],
        )
        return cursor.fetchall()


def _older(queryset, row):
    """Stories after `row` in newest-first order (publish time, then id)."""
    pk, published = row[0], row[1]
    return queryset.filter(publish_at__lte=published).filter(Q(publish_at__lt=published) | Q(pk__lt=pk))


_stories_estimate = {"value": 0.0, "until": 0.0}


def _stories():
    """The planner's estimate of the number of stories (kept by ANALYZE and autovacuum), read again
    every 5 minutes: it only picks the cheaper read, never what is found."""
    if time.monotonic() >= _stories_estimate["until"]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'articles_article'::regclass")
            _stories_estimate.update(value=max(cursor.fetchone()[0], 0.0), until=time.monotonic() + 300)
    return _stories_estimate["value"]


def exists(queryset, tsquery):
    """Whether anything matches. Not `.exists()`: with LIMIT 1 the planner expects an early match and
    scans the table in order (0.3 s at 100 000 stories when nothing matches); a MATERIALIZED CTE is
    planned for all its rows (the GIN index) and still stops at the first — when unordered: the
    model's ordering made it read and sort every match first."""
    sql, params = matching(queryset, tsquery).order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"WITH matches AS MATERIALIZED ({sql}) SELECT EXISTS (SELECT 1 FROM matches)", params)
        return cursor.fetchone()[0]


def subquery(tsquery):
    """Ids of every article matching, drafts included (the admin's search)."""
    return RawSQL(f"SELECT id FROM articles_article WHERE {MATCH}", [tsquery])


def highlighted(queryset, tsquery):
    """The page's articles with `headline_marked` and `snippet_marked` (\x02…\x03 around matches)."""
    return queryset.annotate(
        headline_marked=RawSQL(
            f"ts_headline('{CONFIG}', articles_article.headline, %s::tsquery, %s)", [tsquery, HEADLINE_OPTIONS]
        ),
        snippet_marked=RawSQL(
            f"ts_headline('{CONFIG}', left(articles_article.standfirst || ' '"
            " || articles_search_text(articles_article.body), %s), %s::tsquery, %s)",
            [SNIPPET_CHARACTERS, tsquery, SNIPPET_OPTIONS],
        ),
    )


def suggestions(word, *, limit=3):
    """Known words nearest to `word` by trigram similarity, best first (« Tokaev » → « Tokaïev »)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT display FROM articles_searchterm WHERE normalized %% unaccent(lower(%s))"
            " AND normalized <> unaccent(lower(%s))"
            " ORDER BY similarity(normalized, unaccent(lower(%s))) DESC, char_length(word), word LIMIT %s",
            [word, word, word, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def is_known(word):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM articles_searchterm WHERE normalized = unaccent(lower(%s)) LIMIT 1", [word])
        return cursor.fetchone() is not None


def install(schema_editor):
    for statement in INSTALL:
        schema_editor.execute(statement)


def uninstall(schema_editor):
    for statement in UNINSTALL:
        schema_editor.execute(statement)


def rebuild():
    """Recompute every vector and the vocabulary (after a configuration or dictionary change)."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE articles_searchterm")
        cursor.execute("UPDATE articles_article SET search_vector = NULL")
        cursor.execute(
            "SELECT count(*) FROM (SELECT articles_search_terms(concat_ws(' ', headline, kicker, standfirst,"
            " articles_search_text(body))) FROM articles_article) AS vocabulary"
        )
        cursor.execute("ANALYZE articles_article")
        cursor.execute("ANALYZE articles_searchterm")
        cursor.execute("SELECT count(*) FROM articles_article")
        return cursor.fetchone()[0]
