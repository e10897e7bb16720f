"""Teasers are reused while nothing they show has changed, and never once it has (articles.teasers)."""

import pytest
from django.template.loader import get_template
from django.test.signals import template_rendered
from django.utils import timezone, translation

from articles import teasers
from articles.cache import purge_public_pages
from articles.models import Article, Section
from articles.renditions import ensure_renditions
from tests.articles.live_helpers import make_live
from tests.factories import make_article, make_image

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_memo():
    teasers._rendered.clear()
    yield
    teasers._rendered.clear()


def rendered(name):
    """The renderings of template `name` by the template engine, as they happen."""
    seen = []

    def count(sender, template, **kwargs):
        if template.name == name:
            seen.append(template)

    template_rendered.connect(count)
    yield seen
    template_rendered.disconnect(count)


@pytest.fixture
def renders():
    yield from rendered("includes/teaser.html")


def listed(article):
    """The story as a listing fetches it, as a fresh instance: what each page build holds."""
    return Article.objects.for_listing().get(pk=article.pk)


def test_a_teaser_is_the_template_with_its_options():
    article = listed(make_article(headline="Le barrage de Rogoun", kicker="Énergie", featured_image=make_image()))
    for options in ({}, {"is_lead": True, "show_section": True}, {"level": "h3", "compact": True, "image": "card"}):
        expected = get_template("includes/teaser.html").render({"article": article, **options})
        assert teasers.render(article, **options) == expected
        assert "Rogoun" in expected


def test_an_unchanged_story_is_rendered_once_per_process(renders):
    article = make_article()
    first = teasers.render(listed(article), level="h3")
    again = teasers.render(listed(article), level="h3")
    other_options = teasers.render(listed(article), level="h3", compact=True, image="card")
    assert first == again and len(renders) == 2  # the second options are another teaser
    assert other_options != first


def test_every_change_to_what_a_teaser_shows_gives_a_new_one():
    image = make_image(renditions=False)
    article = make_article(headline="Première version", featured_image=image)
    seen = [teasers.render(listed(article), image="card", show_section=True)]

    def changed():
        html = teasers.render(listed(article), image="card", show_section=True)
        assert html not in seen
        seen.append(html)
        return html

    Article.objects.filter(pk=article.pk).update(headline="Seconde version")
    assert "Seconde version" in changed()
    Section.objects.filter(pk=article.section_id).update(name="Kazakhstan et voisins")
    assert "Kazakhstan et voisins" in changed()
    ensure_renditions(image)  # the picture's renditions: the <picture> gains its AVIF/WebP sources
    assert "<source" in changed()
    with translation.override("en"):
        changed()  # another language is another teaser, even where nothing is translated yet
    with timezone.override("Asia/Almaty"):
        changed()  # dates shown in another time zone


def test_a_live_entry_shows_on_the_teaser_at_once():
    article = make_live(headline="Élections").article
    before = teasers.render(listed(article))
    assert "En direct" in before
    from articles import live

    live.post_entry(live=article.live, user=article.live.opened_by, body="<p>Premiers résultats.</p>")
    assert teasers.render(listed(article)) != before


def test_the_memo_is_bounded(monkeypatch):
    monkeypatch.setattr(teasers, "TEASER_CACHE_SIZE", 3)
    for n in range(10):
        teasers.render(listed(make_article(headline=f"Dépêche {n}")))
        assert len(teasers._rendered) <= 3


@pytest.fixture
def nav_renders():
    yield from rendered("includes/section_nav.html")


def section_links(client, path):
    html = client.get(path).content.decode()
    nav = html[html.index('<nav class="section-nav"') : html.index("</nav>")]
    return nav


def test_the_section_navigation_is_rendered_once_and_marks_the_current_section(client, nav_renders):
    article = make_article()
    section = article.section
    home_nav = section_links(client, "/")
    assert f'href="/{section.slug}/">' in home_nav and "aria-current" not in home_nav
    section_links(client, "/corrections/")
    assert len(nav_renders) == 1  # the same sections on another page: the same HTML

    on_section = section_links(client, section.get_absolute_url())
    assert f'href="/{section.slug}/" aria-current="page">' in on_section
    assert on_section.count("aria-current") == 1
    on_article = section_links(client, article.get_absolute_url())
    assert "aria-current" not in on_article  # a story is not its section's page
    assert len(nav_renders) == 2


def test_a_renamed_section_shows_in_the_navigation_at_once(client, nav_renders):
    section = make_article().section
    assert f">{section.name}</a>" in section_links(client, "/")
    Section.objects.filter(pk=section.pk).update(name="Qazaqstan")
    purge_public_pages(hard=False)  # as the admin does once the rename commits
    assert ">Qazaqstan</a>" in section_links(client, "/")
    assert len(nav_renders) == 2
