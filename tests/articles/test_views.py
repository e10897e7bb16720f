"""The reading site through the test client: visibility, attribution, pagination, errors, queries, cache."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.cache import purge_public_pages
from articles.management.commands.generate_articles import generate
from articles.models import Article, Correction, Section
from articles.views import ListingPaginator, render_article
from tests.articles.crawl import fetch
from tests.factories import make_article, make_author, make_image, photo_bytes, source

pytestmark = pytest.mark.django_db


def get(client, url):
    cache.clear()
    return client.get(url)


def count_queries(client, url):
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


# --- Visibility --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": Article.Status.DRAFT, "publish_at": None},
        {"status": Article.Status.SUBMITTED, "publish_at": None},
        {"publish_at": timezone.now() + dt.timedelta(days=1)},
        {"withdrawn_at": timezone.now()},
        {"status": Article.Status.UNPUBLISHED},
    ],
    ids=["draft", "submitted", "scheduled", "withdrawn", "unpublished"],
)
def test_unpublished_articles_are_invisible(client, overrides):
    hidden = make_article(headline="Histoire cachée", tags=["secret"], **overrides)
    assert get(client, hidden.get_absolute_url()).status_code == 404
    for url in ("/", hidden.section.get_absolute_url(), "/mots-cles/secret/", "/rss/", "/atom/", "/sitemap.xml"):
        status, text = fetch(client, url)
        assert status == 200, url
        assert "Histoire cachée" not in text, url
        assert hidden.slug not in text, url


def test_wrong_section_redirects_permanently_to_canonical(client):
    article = make_article()
    response = get(client, f"/europe/{article.slug}/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


@pytest.mark.parametrize(
    "url",
    [
        "/%00/",
        "/kazakhstan/../x",
        "/kazakhstan/../x/",
        "/" + "a" * 600 + "/",
        "/kazakhstan/" + "b" * 600 + "/",
        "/mots-cles/nope/",
        "/kazakhstan/nope/",
        "/auteurs/personne/",
        "/rubrique-inconnue/",
        "/rss/rubrique-inconnue/",
        "/kazakhstan/?page=abc",
        "/kazakhstan/?page=999",
        "/kazakhstan/?page=0",
        "/corrections/?page=-1",
    ],
)
def test_malformed_and_unknown_paths_are_404_in_french(client, url):
    response = get(client, url)
    assert response.status_code == 404
    if "text/html" in response["Content-Type"]:
        assert "Page introuvable" in response.text
        assert '<html lang="fr">' in response.text


def test_server_error_page_needs_no_database(client, settings, monkeypatch):
    from articles import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    client.raise_request_exception = False
    monkeypatch.setattr(views.Article.objects, "published", broken)
    response = get(client, "/")
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.text


# --- Article page and attribution --------------------------------------------------------


def test_afp_dispatch_is_credited_afp(client):
    dispatch = make_article(source=source("afp"), headline="Dépêche du jour", dateline="Astana")
    html = get(client, dispatch.get_absolute_url()).text
    byline = re.search(r'<p class="byline">(.*?)</p>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", byline).strip() == "AFP"
    assert "Astana" in html


def test_rewrite_links_to_published_dispatch(client):
    dispatch = make_article(source=source("afp"))
    author = make_author(name="Aïgerim Nurlanovna")
    rewrite = make_article(based_on=dispatch, credit_line="avec AFP", authors=[author])
    html = get(client, rewrite.get_absolute_url()).text
    byline = re.search(r'<p class="byline">(.*?)</p>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", byline) == "Par Aïgerim Nurlanovna, avec AFP"
    assert f'href="{dispatch.get_absolute_url()}"' in byline
    assert f'href="{author.get_absolute_url()}"' in byline


def test_rewrite_of_unpublished_dispatch_has_no_link(client):
    dispatch = make_article(source=source("afp"), withdrawn_at=timezone.now())
    rewrite = make_article(based_on=dispatch, byline="Notre correspondante")
    html = get(client, rewrite.get_absolute_url()).text
    byline = re.search(r'<p class="byline">(.*?)</p>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", byline) == "Par Notre correspondante, avec AFP"
    assert dispatch.get_absolute_url() not in html


def test_in_house_story_has_plain_byline(client):
    authors = [make_author(name="Timour Rakhimov"), make_author(name="Aïgerim Nurlanovna")]
    article = make_article(authors=authors)
    html = get(client, article.get_absolute_url()).text
    byline = re.search(r'<p class="byline">(.*?)</p>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", byline) == "Par Aïgerim Nurlanovna et Timour Rakhimov"
    assert "AFP" not in byline


def test_article_page_content(client):
    publish_at = dt.datetime(2023, 10, 19, 12, 5, tzinfo=dt.UTC)
    article = make_article(
        headline="Le <b>titre</b> & le reste",
        kicker="Reportage",
        standfirst="Un chapô.",
        body="<p>Corps <em>riche</em>.</p>",
        publish_at=publish_at,
        updated_at=publish_at + dt.timedelta(hours=2),
        tags=["France", "coopération"],
    )
    Correction.objects.create(
        article=article, wrong="x", right="Le sommet a lieu à Astana.", created_at=publish_at + dt.timedelta(days=1)
    )
    html = get(client, article.get_absolute_url()).text
    assert "<h1>Le &lt;b&gt;titre&lt;/b&gt; &amp; le reste</h1>" in html
    assert "Reportage" in html
    assert "<p>Corps <em>riche</em>.</p>" in html
    assert "19 octobre 2023 à 14 h 05" in html
    assert "Mis à jour le" in html and "19 octobre 2023 à 16 h 05" in html
    assert 'href="/mots-cles/coop%C3%A9ration/"' in html
    assert "Correction du 20 octobre 2023 : Le sommet a lieu à Astana." in html
    assert f'<link rel="canonical" href="http://127.0.0.1:8000{article.get_absolute_url()}">' in html
    assert '<meta property="og:title" content="Le &lt;b&gt;titre&lt;/b&gt; &amp; le reste">' in html
    assert html.count('class="newsletter-box"') == 1
    assert html.index('class="story-body"') < html.index('class="newsletter-box"') < html.index("site-footer")
    assert 'name="robots"' not in html
    assert "Aperçu — non publié" not in html


def test_no_update_line_when_not_later_than_publish(client):
    article = make_article()
    article.updated_at = article.publish_at
    article.save()
    assert "Mis à jour le" not in get(client, article.get_absolute_url()).text


def test_related_prefers_shared_tags_then_section(client):
    article = make_article(tags=["eau", "climat", "énergie"])
    best = make_article(tags=["eau", "climat"], section=Section.objects.get(slug="europe"), headline="Meilleur lien")
    one_tag = make_article(tags=["eau"], section=Section.objects.get(slug="europe"), headline="Un mot-clé")
    same_section = make_article(headline="Même rubrique")
    make_article(section=Section.objects.get(slug="europe"), headline="Sans rapport")
    make_article(tags=["eau"], status=Article.Status.DRAFT, publish_at=None, headline="Brouillon lié")

    from articles.views import related_articles

    related = related_articles(article, list(article.tags.all()))
    assert related == [best, one_tag, same_section]


def test_render_article_preview_for_unpublished(rf_request):
    draft = make_article(status=Article.Status.DRAFT, publish_at=None, headline="Pas encore")
    response = render_article(rf_request, draft, preview=True)
    html = response.content.decode()
    assert "Aperçu — non publié" in html
    assert '<meta name="robots" content="noindex">' in html
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def rf_request():
    return RequestFactory().get("/admin/apercu/")


# --- Listings ----------------------------------------------------------------------------


def test_home_has_lead_and_section_blocks(client):
    kz = make_article(headline="Une au Kazakhstan")
    uz = make_article(headline="Ouzbek", section=Section.objects.get(slug="ouzbekistan"))
    hidden_section = make_article(headline="Monde", section=Section.objects.get(slug="monde"))
    for n in range(6):
        make_article(headline=f"Tadjik {n}", section=Section.objects.get(slug="tadjikistan"))
    html = get(client, "/").text
    assert "teaser--lead" in html and kz.headline in html and uz.headline in html
    assert 'id="bloc-kazakhstan"' in html and 'id="bloc-ouzbekistan"' in html
    assert 'id="bloc-monde"' not in html and hidden_section.headline in html  # in the latest list only
    block = html.split('id="bloc-tadjikistan"')[1].split("</section>")[0]
    assert block.count("teaser-title") == 4
    assert "Tadjik 0" in block and "Tadjik 4" not in block


def test_section_pagination(client):
    section = Section.objects.get(slug="kirghizistan")
    for n in range(45):
        make_article(section=section, headline=f"Bichkek {n:02d}")
    first = get(client, "/kirghizistan/")
    assert first.text.count('<article class="teaser') == 20
    assert "Page suivante" in first.text and "Page précédente" not in first.text
    assert "Page 1 sur 3" in first.text
    last = get(client, "/kirghizistan/?page=3")
    assert last.text.count('<article class="teaser') == 5
    assert "Page précédente" in last.text and "Page suivante" not in last.text
    assert get(client, "/kirghizistan/?page=4").status_code == 404


def test_listings_count_no_further_than_a_few_pages_ahead(client):
    """A section of 12 500 stories was counted whole on every uncached request (#12): the count now
    stops a few pages past the one asked for, and only the last pages know their total."""
    tag = make_article(tags=["eau"]).tags.get()
    generate(1_500, seed=3)
    section = Section.objects.get(slug="kazakhstan")
    stories = Article.objects.published().filter(section=section).count()
    assert stories > (1 + ListingPaginator.LOOKAHEAD) * 20  # more than page 1 counts
    pages = -(-stories // 20)
    Article.tags.through.objects.bulk_create(
        (Article.tags.through(content_object=a, tag=tag) for a in Article.objects.filter(section=section)),
        ignore_conflicts=True,
    )
    for url in ("/kazakhstan/", f"/mots-cles/{tag.slug}/"):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            first = get(client, url)
        counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
        assert counts and all(re.search(r"LIMIT \d+", sql) for sql in counts), counts
        assert "Page suivante" in first.text
        assert "Page 1" in first.text and "Page 1 sur" not in first.text  # the total is not known yet
    last = get(client, f"/kazakhstan/?page={pages}")
    assert f"Page {pages} sur {pages}" in last.text and "Page suivante" not in last.text
    assert last.text.count('<article class="teaser') == stories - 20 * (pages - 1)
    assert get(client, f"/kazakhstan/?page={pages + 1}").status_code == 404
    middle = get(client, f"/kazakhstan/?page={pages - 1}")
    assert f"Page {pages - 1} sur {pages}" in middle.text and "Page suivante" in middle.text


def test_tag_and_author_pages(client):
    author = make_author(name="Timour Rakhimov", bio="Correspondant à Tachkent.")
    article = make_article(tags=["coopération"], authors=[author], headline="Coopération renforcée")
    make_article(headline="Autre sujet", tags=["climat"])
    tag_url = reverse("articles:tag", kwargs={"slug": article.tags.get().slug})
    for url in (tag_url, author.get_absolute_url()):
        response = get(client, url)
        assert response.status_code == 200, url
        assert article.headline in response.text and "Autre sujet" not in response.text, url
    assert "Mot-clé : coopération" in get(client, tag_url).text
    assert "Correspondant à Tachkent." in get(client, author.get_absolute_url()).text


def test_corrections_page_lists_published_only_newest_first(client):
    visible = make_article(headline="Article corrigé")
    hidden = make_article(headline="Article retiré", withdrawn_at=timezone.now())
    now = timezone.now()
    earlier = now - dt.timedelta(days=2)
    Correction.objects.create(article=visible, wrong="a", right="Première correction", created_at=earlier)
    Correction.objects.create(article=visible, wrong="b", right="Seconde correction", created_at=now)
    Correction.objects.create(article=hidden, wrong="c", right="Correction cachée", created_at=now)
    html = get(client, "/corrections/").text
    assert html.index("Seconde correction") < html.index("Première correction")
    assert "Correction cachée" not in html


# --- Queries -----------------------------------------------------------------------------


def test_query_counts_do_not_grow_with_data(client, django_assert_max_num_queries):
    author = make_author()
    article = make_article(tags=["eau", "climat"], authors=[author])
    make_article(tags=["eau"], headline="Lien")  # its « À lire aussi » is not empty at the small size either
    urls = ["/", article.get_absolute_url(), "/kazakhstan/", "/mots-cles/eau/", author.get_absolute_url()]
    count_queries(client, urls[1])  # warm the content-type cache taggit uses
    small = {url: count_queries(client, url) for url in urls}

    generate(5_000, seed=1)
    Article.tags.through.objects.bulk_create(
        (
            Article.tags.through(content_object=a, tag=article.tags.get(name="eau"))
            for a in Article.objects.exclude(pk=article.pk)[:300]
        ),
        ignore_conflicts=True,
    )
    large = {url: count_queries(client, url) for url in urls}

    assert large == small
    for url in urls:
        cache.clear()
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200


def test_a_rewrite_links_its_dispatch_for_one_query_more(client):
    from tests.factories import source

    plain = make_article(tags=["eau"])
    dispatch = make_article(source=source("afp"), headline="La dépêche")
    rewrite = make_article(tags=["eau"], based_on=dispatch, credit_line="avec AFP")
    count_queries(client, plain.get_absolute_url())
    assert count_queries(client, rewrite.get_absolute_url()) == count_queries(client, plain.get_absolute_url()) + 1
    html = get(client, rewrite.get_absolute_url()).text
    assert f'<a class="credit" href="{dispatch.get_absolute_url()}">avec AFP</a>' in html
    assert '"isBasedOn"' in html


def test_article_query_count_does_not_grow_with_tags(client):
    few = make_article(tags=["eau"])
    many = make_article(tags=[f"mot {n}" for n in range(20)])
    count_queries(client, few.get_absolute_url())
    assert count_queries(client, few.get_absolute_url()) == count_queries(client, many.get_absolute_url())
    assert count_queries(client, "/mots-cles/eau/") == count_queries(client, "/mots-cles/mot-7/")


# --- Cache -------------------------------------------------------------------------------


def test_purge_makes_a_newly_published_article_appear(client):
    make_article(headline="Déjà là")
    assert "Déjà là" in client.get("/").text
    article = make_article(headline="Tout nouveau")
    assert "Tout nouveau" not in client.get("/").text  # served from the cache
    purge_public_pages()
    assert article.headline in client.get("/").text


def test_featured_image_with_caption_credit_and_alt(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    image = make_image(
        content=photo_bytes(64, 36),
        caption="La place de la Nation à Astana.",
        credit="Dana Ospanova",
        alt_text="Une grande place bordée de tours de verre",
    )
    article = make_article(featured_image=image)
    detail = get(client, article.get_absolute_url()).text
    assert 'alt="Une grande place bordée de tours de verre" width="64" height="36"' in detail
    assert "La place de la Nation à Astana." in detail and "Photo\u00a0: Dana Ospanova" in detail
    assert '<meta property="og:image" content="http://127.0.0.1:8000/media/renditions/' in detail
    home = get(client, "/").text
    assert 'class="teaser-image"' in home and 'alt="Une grande place bordée de tours de verre"' in home
