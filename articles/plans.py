"""Which requests may use PostgreSQL's generic plans (docs/site.md « Planning »).

On PostgreSQL psycopg prepares what a connection runs a sixth time, so PostgreSQL can stop planning
it: an uncached article page plans its eight queries in ~1.5 ms, and with prepared statements the
page builds 20 % faster under load (docs/benchmarks.md). The catch is the *generic* plan PostgreSQL
may then keep for every parameter value, made for an average one: where values are skewed it can be
pathological (the desk's list of drafts, 3 among 100 000 stories: 238 ms against 0.08 ms).

So connections start with `plan_cache_mode = force_custom_plan` (settings.py): every statement is
planned for its parameters, as without prepared statements. Only the building of a public page for
an anonymous reader switches its connection to `auto` — the public pages' queries are the ones
`bench/explain_pages.py --generic` checks at 100 000 stories, and their generic plans are safe — and
any other request switches it back before its first query. A switch is one `SET`, sent only when
the mode changes, and never on a closed connection (the next one starts custom).
"""

from functools import wraps

from django.db import connection

READERS = "auto"
OTHERS = "force_custom_plan"


def prepared():
    """Whether this connection prepares statements (DATABASE_SERVER_SIDE_BINDING, on by default)."""
    options = connection.settings_dict["OPTIONS"]
    return connection.vendor == "postgresql" and options.get("prepare_threshold") is not None


def use(mode):
    """Set the connection's plan cache mode to `mode` (READERS or OTHERS) when it is not already."""
    if not prepared() or connection.connection is None or getattr(connection, "plan_cache_mode", OTHERS) == mode:
        return
    # A connection the server dropped (a restart) is closed here, as Django would at the request's
    # first query, and the request opens a new one (custom plans) instead of failing on the SET.
    connection.close_if_health_check_failed()
    if connection.connection is None:
        return
    # On the driver's connection: session state, not one of the page's queries (the query-count
    # tests count those; this one is sent only when the mode changes).
    with connection.wrap_database_errors:
        connection.connection.execute(f"SET plan_cache_mode = {mode}")
    connection.plan_cache_mode = mode


def connection_started(sender, connection, **kwargs):
    """connection_created receiver: a new connection has the settings' mode (OTHERS)."""
    connection.plan_cache_mode = OTHERS


def custom_plans(view):
    """A public view whose queries are always planned for their parameters: the search page, whose
    plan depends on the words searched. On its generic plan a search for a rare word ANDed the GIN
    index with every story's publish time from the desk's newest-first index (`article_list_idx`):
    69 ms at a million stories against 0.9 on its own plan (`explain_pages.py --generic`). Planning
    the page's queries costs about 2 ms. `bench/explain_pages.py --generic` shows such pages, unchecked."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        use(OTHERS)
        return view(request, *args, **kwargs)

    wrapped.custom_plans = True
    return wrapped
