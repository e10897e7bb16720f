"""The article admin: list, lost-update guard, presence, attribution rules, uploads, corrections."""

import io
import re
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from articles.models import Article, Correction
from articles.roles import EDITOR, JOURNALIST
from tests.articles.helpers import change_url, form_data
from tests.factories import make_article, make_user, source

pytestmark = pytest.mark.django_db

Status = Article.Status


@pytest.fixture
def editor(client):
    user = make_user("editeur", groups=[EDITOR], first_name="Aïgerim", last_name="Nourlanova")
    client.force_login(user)
    return user


def opened_version(response):
    return int(re.search(r'name="edit_version" value="(\d+)"', response.text).group(1))


# --- The list ------------------------------------------------------------------------------


def test_list_columns_badges_and_scheduled_time(client, editor):
    make_article(headline="Déjà en ligne")
    at = timezone.now() + timedelta(days=1)
    make_article(headline="Pour demain", publish_at=at)
    make_article(headline="Encore au brouillon", status=Status.DRAFT, publish_at=None)
    response = client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 200
    html = response.text
    assert "Programmé pour" in html
    assert "status-badge status-scheduled" in html and "status-badge status-draft" in html
    for column in ("column-headline", "column-section", "column-status_badge", "column-source", "column-author"):
        assert column in html


def test_list_filters_and_search(client, editor):
    make_article(headline="Pour demain", publish_at=timezone.now() + timedelta(days=1))
    make_article(headline="Déjà en ligne")
    url = reverse("admin:articles_article_changelist")
    html = client.get(url, {"etat": "scheduled"}).text
    assert "Pour demain" in html and "Déjà en ligne" not in html
    html = client.get(url, {"q": "demain"}).text
    assert "Pour demain" in html and "Déjà en ligne" not in html
    assert client.get(url, {"source__id__exact": source("afp").pk}).status_code == 200


def test_mine_filter(client, editor):
    make_article(headline="Le mien", created_by=editor)
    make_article(headline="Celui d’un autre")
    html = client.get(reverse("admin:articles_article_changelist"), {"mine": "1"}).text
    assert "Le mien" in html and "Celui d’un autre" not in html


def test_bulk_actions_offered_by_role(client):
    journalist = make_user(groups=[JOURNALIST])
    client.force_login(journalist)
    make_article(status=Status.DRAFT, publish_at=None, created_by=journalist)
    html = client.get(reverse("admin:articles_article_changelist")).text
    assert 'value="submit_selected"' in html
    assert 'value="publish_selected"' not in html and 'value="delete_selected"' not in html


# --- No lost updates -----------------------------------------------------------------------


def test_second_concurrent_save_is_refused_and_first_text_kept(client):
    article = make_article(headline="Titre d’origine")
    first = make_user("premiere", groups=[EDITOR], first_name="Dana", last_name="Abenova")
    second = make_user("second", groups=[EDITOR])
    from django.test import Client

    client_a, client_b = Client(), Client()
    client_a.force_login(first)
    client_b.force_login(second)
    version_a = opened_version(client_a.get(change_url(article)))
    version_b = opened_version(client_b.get(change_url(article)))
    assert version_a == version_b

    response = client_a.post(change_url(article), form_data(article, headline="Titre de Dana", edit_version=version_a))
    assert response.status_code == 302

    response = client_b.post(change_url(article), form_data(article, headline="Titre écrasé", edit_version=version_b))
    assert response.status_code == 200
    assert "a été modifié par Dana Abenova" in response.text
    assert "n’ont pas été enregistrées" in response.text
    assert 'value="Titre écrasé"' in response.text  # their text is still in the form to copy
    article.refresh_from_db()
    assert article.headline == "Titre de Dana"
    assert article.edit_version == version_a + 1


def test_missing_version_is_refused(client, editor):
    article = make_article(headline="Titre d’origine")
    data = form_data(article, headline="Sans version")
    del data["edit_version"]
    assert client.post(change_url(article), data).status_code == 200
    assert Article.objects.get(pk=article.pk).headline == "Titre d’origine"


def test_transition_in_between_also_makes_the_form_stale(client, editor):
    journalist = make_user(groups=[JOURNALIST])
    article = make_article(status=Status.DRAFT, publish_at=None, created_by=journalist)
    version = opened_version(client.get(change_url(article)))
    article.submit(user=journalist)
    response = client.post(change_url(article), form_data(article, headline="Trop tard", edit_version=version))
    assert response.status_code == 200
    assert Article.objects.get(pk=article.pk).headline != "Trop tard"


def test_presence_shows_who_else_is_editing(client):
    article = make_article()
    from django.test import Client

    first = make_user("dana", groups=[EDITOR], first_name="Dana", last_name="Abenova")
    other = Client()
    other.force_login(first)
    other.get(change_url(article))

    second = make_user("marc", groups=[EDITOR])
    client.force_login(second)
    assert "En cours d’édition par Dana Abenova" in client.get(change_url(article)).text
    html = other.get(change_url(article)).text
    assert "En cours d’édition par marc" in html
    assert "En cours d’édition par Dana" not in html


@override_settings(EDITING_PRESENCE_SECONDS=60)
def test_presence_expires(client):
    import time_machine

    article = make_article()
    dana = make_user("dana", groups=[EDITOR], first_name="Dana", last_name="Abenova")
    client.force_login(dana)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.get(change_url(article))
        client.force_login(make_user("marc", groups=[EDITOR]))
        clock.shift(timedelta(minutes=2))
        assert "En cours d’édition par Dana" not in client.get(change_url(article)).text


# --- Attribution -----------------------------------------------------------------------------


def _add(client, **fields):
    base = make_article(status=Status.DRAFT, publish_at=None)
    data = form_data(base, **fields)
    del data["edit_version"]
    return client.post(reverse("admin:articles_article_add"), data)


def test_rewrite_of_a_dispatch_is_in_house_with_agency_credit(client, editor):
    dispatch = make_article(headline="Dépêche", source=source("afp"))
    response = _add(client, headline="Réécriture", slug="reecriture", based_on=dispatch.pk, source=source("afp").pk)
    assert response.status_code == 302
    article = Article.objects.get(slug="reecriture")
    assert article.source == source("redaction")
    assert article.credit_line == "avec AFP"
    assert article.created_by == editor and article.status == Status.DRAFT


def test_dispatch_keeps_agency_credit_and_cannot_become_in_house(client, editor):
    dispatch = make_article(headline="Dépêche", source=source("afp"), credit_line="AFP")
    response = client.post(change_url(dispatch), form_data(dispatch, source=source("redaction").pk, credit_line=""))
    assert response.status_code == 200
    assert "ne peut pas être présentée comme un article de la rédaction" in response.text
    dispatch.refresh_from_db()
    assert dispatch.source == source("afp")

    response = client.post(change_url(dispatch), form_data(dispatch, credit_line="Notre correspondant"))
    assert response.status_code == 302
    assert Article.objects.get(pk=dispatch.pk).credit_line == "AFP"


def test_based_on_must_be_a_dispatch(client, editor):
    in_house = make_article(headline="Maison")
    response = _add(client, headline="Réécriture", slug="reecriture", based_on=in_house.pk)
    assert response.status_code == 200
    assert not Article.objects.filter(slug="reecriture").exists()


def test_journalist_can_pick_a_dispatch_in_autocomplete(client):
    client.force_login(make_user(groups=[JOURNALIST]))
    make_article(headline="Dépêche sur Astana", source=source("afp"))
    make_article(headline="Article maison sur Astana")
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "article", "field_name": "based_on", "term": "Astana"},
    )
    assert response.status_code == 200
    texts = [r["text"] for r in response.json()["results"]]
    assert texts == ["Dépêche sur Astana"]


# --- The editor and its uploads ------------------------------------------------------------


def test_change_form_loads_ckeditor(client, editor):
    html = client.get(change_url(make_article())).text
    assert "django_ckeditor_5/dist/bundle.js" in html
    assert reverse("admin:articles_article_image_upload") in html
    assert '"removePlugins"' in html and "MediaEmbed" in html


def _png(width=20, height=10, fmt="PNG"):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "navy").save(buffer, fmt)
    return buffer.getvalue()


def _upload(client, content, name="photo.png", content_type="image/png"):
    return client.post(
        reverse("admin:articles_article_image_upload"),
        {"upload": SimpleUploadedFile(name, content, content_type=content_type)},
    )


def test_image_upload_stores_a_real_image_under_media_root(client, editor):
    response = _upload(client, _png())
    assert response.status_code == 200
    url = response.json()["url"]
    assert url.startswith("/media/images/")
    name = url.removeprefix("/media/")
    assert default_storage.exists(name)
    default_storage.delete(name)


@pytest.mark.parametrize(
    ("content", "name", "settings_override"),
    [
        (b"<svg onload=alert(1)></svg>", "x.svg", {}),
        (b"GIF89a pas vraiment une image", "x.gif", {}),
        (b"%PDF-1.4", "x.png", {}),
        (_png(200, 200), "grande.png", {"ARTICLE_IMAGE_MAX_PIXELS": 10_000}),
        (_png(), "lourde.png", {"ARTICLE_IMAGE_MAX_BYTES": 10}),
        (_png(fmt="BMP"), "x.bmp", {}),
    ],
)
def test_image_upload_refuses(client, editor, content, name, settings_override):
    with override_settings(**settings_override):
        response = _upload(client, content, name=name)
    assert response.status_code == 400
    assert "message" in response.json()["error"]


def test_image_upload_is_staff_with_article_rights_only(client):
    client.force_login(make_user(is_staff=False))
    assert _upload(client, _png()).status_code == 302  # to the admin login
    client.force_login(make_user())  # staff without any role
    assert _upload(client, _png()).status_code == 403


# --- Corrections -----------------------------------------------------------------------------


def test_correction_shows_on_article_and_corrections_page(client, editor, django_capture_on_commit_callbacks):
    article = make_article(headline="Le sommet d’Astana")
    url = article.get_absolute_url()
    assert "Correction du" not in client.get(url).text  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:articles_article_correct", args=[article.pk]),
            {"wrong": "Le sommet se tenait à Almaty.", "right": "Le sommet se tenait à Astana."},
        )
    assert response.status_code == 302
    correction = Correction.objects.get(article=article)
    article.refresh_from_db()
    assert article.updated_at == correction.created_at
    assert article.get_absolute_url() == url

    page = client.get(url)
    assert page.status_code == 200
    assert "Correction du" in page.text and "Le sommet se tenait à Astana." in page.text
    listing = client.get(reverse("articles:corrections"))
    assert "Le sommet se tenait à Astana." in listing.text and article.headline in listing.text


def test_correction_form_requires_both_texts(client, editor):
    article = make_article()
    response = client.post(reverse("admin:articles_article_correct", args=[article.pk]), {"wrong": "x", "right": ""})
    assert response.status_code == 200
    assert not Correction.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_saves_exactly_one_wins():
    """Real concurrency: two editors save the same version at the same moment, each on its own connection."""
    import threading

    from django.db import connection, connections
    from django.test import Client

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    article = make_article(headline="Titre d’origine")
    version = Article.objects.get(pk=article.pk).edit_version
    users = [make_user(f"editeur-{n}", groups=[EDITOR]) for n in range(2)]
    barrier = threading.Barrier(2)
    results = {}

    def save(n):
        client = Client()
        client.force_login(users[n])
        data = form_data(article, headline=f"Titre {n}", edit_version=version)
        barrier.wait()
        results[n] = client.post(change_url(article), data).status_code
        connections.close_all()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [200, 302]
    winner = next(n for n, status in results.items() if status == 302)
    stored = Article.objects.get(pk=article.pk)
    assert stored.headline == f"Titre {winner}"
    assert stored.edit_version == version + 1


def test_list_query_count_does_not_grow_with_rows(client, editor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_author

    url = reverse("admin:articles_article_changelist")
    make_article(authors=[make_author()])
    client.get(url)
    with CaptureQueriesContext(connection) as one_row:
        client.get(url)
    for _ in range(15):
        make_article(authors=[make_author()], publish_at=timezone.now() + timedelta(hours=2))
    with CaptureQueriesContext(connection) as many_rows:
        response = client.get(url)
    assert response.text.count("Programmé pour") == 15
    # 17: the header's unread-notifications counter (one query on every admin page) included.
    assert len(many_rows) == len(one_row) <= 17


def test_return_button_without_comment_is_refused_with_a_message(client, editor):
    journalist = make_user(groups=[JOURNALIST])
    article = make_article(status=Status.DRAFT, publish_at=None, created_by=journalist)
    article.submit(user=journalist)
    response = client.post(
        change_url(article), form_data(article, _transition="return_to_draft", _transition_comment=""), follow=True
    )
    assert "Un commentaire est obligatoire" in response.text
    assert Article.objects.get(pk=article.pk).status == Status.SUBMITTED

    response = client.post(
        change_url(article),
        form_data(article, _transition="return_to_draft", _transition_comment="Sourcez le deuxième paragraphe."),
        follow=True,
    )
    assert "L’article est renvoyé au rédacteur." in response.text
    assert "Sourcez le deuxième paragraphe." in response.text  # in the history on the article's page
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT


def test_schedule_button_records_the_time(client, editor):
    article = make_article(status=Status.DRAFT, publish_at=None)
    at = timezone.localtime() + timedelta(days=1)
    response = client.post(
        change_url(article),
        form_data(
            article,
            _transition="schedule",
            publish_at_0=at.strftime("%d/%m/%Y"),
            publish_at_1=at.strftime("%H:%M:00"),
        ),
        follow=True,
    )
    assert "L’article est programmé." in response.text
    article.refresh_from_db()
    assert article.is_scheduled
    transition = article.transitions.get()
    assert transition.user == editor and transition.comment.startswith("Programmé pour")
    # Moving the time of a scheduled article without « Programmer » is refused.
    later = at + timedelta(hours=3)
    response = client.post(
        change_url(article),
        form_data(article, publish_at_0=later.strftime("%d/%m/%Y"), publish_at_1=later.strftime("%H:%M:00")),
    )
    assert response.status_code == 200 and "utilisez le bouton « Programmer »" in response.text
