"""The editorial journey in a real browser: a journalist writes and submits, an editor previews and publishes."""

from pathlib import Path

import pytest
from django.conf import settings

from articles.models import Article, Transition
from articles.roles import EDITOR, JOURNALIST
from tests.factories import make_user

PASSWORD = "motdepasse-test"
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"


def log_in(page, username):
    page.goto("/admin/login/?next=/admin/articles/article/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/articles/article/")


def log_out(page):
    page.click("#logout-form button")
    page.wait_for_load_state()


def choose(page, field, text):
    """Pick `text` in an admin autocomplete (select2) field."""
    page.locator(f"#id_{field} + .select2").click()
    page.locator(".select2-container--open .select2-search__field").fill(text[:4])
    page.locator(".select2-results__option", has_text=text).first.click()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_journalist_submits_editor_previews_and_publishes(page):
    make_user("journaliste", groups=[JOURNALIST], first_name="Saule", last_name="Issabekova")
    make_user("editeur", groups=[EDITOR], first_name="Marc", last_name="Durand")
    page.set_viewport_size({"width": 1280, "height": 1000})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # The journalist writes a story and submits it for review.
    log_in(page, "journaliste")
    assert page.locator("h1").inner_text() == "Mes articles"
    page.goto("/admin/articles/article/add/")
    page.fill("#id_headline", "Le Kazakhstan mise sur l’uranium")
    page.fill("#id_standfirst", "Astana veut doubler sa production d’ici 2030.")
    choose(page, "section", "Kazakhstan")
    editor_area = page.locator(".ck-editor__editable")
    editor_area.wait_for()  # CKEditor 5 loaded from the static files
    editor_area.click()
    page.keyboard.type("Le premier producteur mondial d’uranium accélère.")
    page.keyboard.press("Enter")
    page.keyboard.type("Les contrats avec la France sont au cœur du plan.")
    assert page.locator(".ck-toolbar [data-cke-tooltip-text^='Gras'], .ck-toolbar .ck-button").count() > 3
    page.screenshot(path=SCREENSHOTS / "editorial-journalist-form.png", full_page=True)
    assert page.locator("button[value=publish]").count() == 0
    page.get_by_role("button", name="Soumettre à la relecture").click()
    page.get_by_text("L’article est soumis à la relecture.").wait_for()

    article = Article.objects.get(headline="Le Kazakhstan mise sur l’uranium")
    assert article.status == Article.Status.SUBMITTED
    assert article.slug == "le-kazakhstan-mise-sur-luranium"
    assert "<p>Le premier producteur mondial d’uranium accélère.</p>" in article.body
    assert page.get_by_text("Soumis à la relecture").first.is_visible()
    log_out(page)

    # Not on the public site yet.
    assert page.goto(article.get_absolute_url()).status == 404

    # The editor finds it, previews it as readers will see it, then publishes.
    log_in(page, "editeur")
    page.get_by_role("link", name="Le Kazakhstan mise sur l’uranium").click()
    with page.expect_popup() as popup_info:
        page.get_by_role("link", name="Aperçu").click()
    preview = popup_info.value
    preview.wait_for_load_state()
    assert preview.get_by_role("heading", level=1).inner_text() == "Le Kazakhstan mise sur l’uranium"
    assert preview.get_by_text("Les contrats avec la France sont au cœur du plan.").is_visible()
    preview.close()

    page.screenshot(path=SCREENSHOTS / "editorial-editor-form.png", full_page=True)
    page.get_by_role("button", name="Publier", exact=True).click()
    page.get_by_text("L’article est publié.").wait_for()
    article.refresh_from_db()
    assert article.is_published
    assert list(Transition.objects.filter(article=article).values_list("to_status", flat=True)) == [
        Article.Status.PUBLISHED,
        Article.Status.SUBMITTED,
    ]
    assert page.locator(".workflow-history").get_by_text("Marc Durand").is_visible()
    log_out(page)

    # A reader sees it.
    page.goto("/")
    page.get_by_role("link", name="Le Kazakhstan mise sur l’uranium").first.click()
    page.wait_for_url(f"**{article.get_absolute_url()}")
    assert page.get_by_role("heading", level=1).inner_text() == "Le Kazakhstan mise sur l’uranium"
    assert page.get_by_text("Le premier producteur mondial d’uranium accélère.").is_visible()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_editor_uploads_an_image_into_the_body(page):
    import io

    from django.core.files.storage import default_storage
    from PIL import Image

    from tests.factories import make_article

    make_user("editeur", groups=[EDITOR])
    article = make_article(body="<p>Premier paragraphe.</p>")
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(f"/admin/login/?next=/admin/articles/article/{article.pk}/change/")
    page.fill("#id_username", "editeur")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.locator(".ck-editor__editable").wait_for()

    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(picture, "PNG")
    page.locator(".ck-editor input[type=file]").first.set_input_files(
        files=[{"name": "astana.png", "mimeType": "image/png", "buffer": picture.getvalue()}]
    )
    page.locator(".ck-editor__editable figure.image img[src*='/media/images/']").wait_for()
    page.get_by_role("button", name="Enregistrer et continuer les modifications").click()
    page.get_by_text("sont enregistrées").wait_for()

    article.refresh_from_db()
    src = article.body.split('src="', 1)[1].split('"', 1)[0]
    assert article.body.startswith('<figure class="image"><img src="/media/images/')
    name = src.removeprefix(settings.MEDIA_URL if settings.MEDIA_URL.startswith("/") else "/" + settings.MEDIA_URL)
    assert default_storage.exists(name)
    default_storage.delete(name)
