"""Teasers (includes/teaser.html) rendered once per process for each version of a story.

A listing page is mostly teasers: the home page has 41, a section page 20, and each costs the template
engine ~0.3 ms — half of an uncached home page build (docs/benchmarks.md « Public pages »). A teaser is
a pure function of rows the listing query has already fetched: the story's columns and those of the
rows joined to it (section, source, picture with its renditions, live blog), the options the page
passes and the active language. The fingerprint is all of those values, read off the instances rather
than listed by hand, so a field that teaser.html starts using is covered without touching this module:
any edit, withdrawal, new rendition, section rename or live entry gives new values, hence a new
teaser. Which stories a page lists is still decided by its query on every build; only the HTML of each
story's box is reused.

Per process and bounded (TEASER_CACHE_SIZE entries, emptied when full): no shared cache round trip,
nothing to purge, and a restart starts empty.
"""

from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

TEASER_CACHE_SIZE = 4096
_rendered = {}


def _values(instance, seen):
    """The loaded field values of `instance` and, recursively, of the related rows cached on it."""
    if instance is None or id(instance) in seen:
        return None
    seen.add(id(instance))
    state = instance.__dict__.get("_state")
    related = state.fields_cache if state is not None else None
    return (
        type(instance),
        tuple(item for item in instance.__dict__.items() if item[0][0] != "_"),
        tuple((name, _values(value, seen)) for name, value in sorted(related.items())) if related else (),
    )


def fingerprint(article, options):
    """The memo's key: the values themselves (compared exactly, never a digest of them).

    Besides the rows: what the template reads from the request's state (language, time zone of the
    dates, script prefix of the links). A field the template would load lazily is not in the key —
    but it would cost a query per teaser, which the query-count tests of every listing catch.
    """
    key = (_values(article, set()), tuple(sorted(options.items())), request_setting())
    try:
        hash(key)
    except TypeError:  # a JSON value (a picture's renditions) is a list or a dict
        return repr(key)
    return key


def render(article, **options):
    """includes/teaser.html for `article` with `options` (is_lead, level, compact, show_section, image)."""
    return render_once(fingerprint(article, options), "includes/teaser.html", lambda: {"article": article, **options})


def render_once(key, template_name, make_context):
    """`template_name` rendered with `make_context()`, reused while `key` (every value the template
    reads, with the request's language, time zone and script prefix) comes back: teasers, the section
    navigation. Shares the teasers' bound."""
    html = _rendered.get(key)
    if html is None:
        html = get_template(template_name).render(make_context())
        if len(_rendered) >= TEASER_CACHE_SIZE:
            _rendered.clear()
        _rendered[key] = html
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, which escaped it


def request_setting():
    """What a fragment's HTML depends on besides its rows: language, time zone of dates, link prefix."""
    return (translation.get_language(), timezone.get_current_timezone_name(), get_script_prefix())
