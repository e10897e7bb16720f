"""A direct in real browsers: an editor posts from the admin, a reader's open page shows the entries unreloaded."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from articles.models import LiveEntry
from tests.articles.live_helpers import make_editor, make_live

PASSWORD = "motdepasse-test"
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_editor_posts_and_reader_sees_entries_without_reload(browser, live_server, settings):
    settings.LIVE_POLL_SECONDS = 1
    editor = make_editor("editeur-direct", first_name="Marc", last_name="Durand")
    direct = make_live(editor=editor, summary="<ul><li>Bureaux fermés à 20 heures</li></ul>")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    reader_context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    reader = reader_context.new_page()
    reader.set_default_timeout(10_000)
    reader.goto(direct.article.get_absolute_url())
    assert reader.locator(".live-status .live-badge").text_content() == "En direct"
    reader.evaluate("window.__notReloaded = true")

    editor_context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    desk = editor_context.new_page()
    desk.set_default_timeout(10_000)
    desk.goto(f"/admin/login/?next=/admin/articles/liveblog/{direct.pk}/change/")
    desk.fill("#id_username", "editeur-direct")
    desk.fill("#id_password", PASSWORD)
    desk.click("input[type=submit]")
    desk.wait_for_url(f"**/admin/articles/liveblog/{direct.pk}/change/")

    # First entry: Ctrl+Entrée in the text area, no page reload on the desk either.
    desk.evaluate("window.__deskNotReloaded = true")
    desk.fill("#id_body", "Premiers résultats partiels : trois partis au-dessus de 5 %.")
    desk.press("#id_body", "Control+Enter")
    desk.locator(".live-admin-entries", has_text="Premiers résultats partiels").wait_for()
    assert desk.locator("[data-live-status]").inner_text() == "Entrée publiée."
    assert desk.evaluate("window.__deskNotReloaded") is True
    assert desk.input_value("#id_body") == ""
    # Second entry with the button.
    desk.fill("#id_title", "Réaction")
    desk.fill("#id_body", "Le président salue « un scrutin calme ».")
    desk.get_by_role("button", name="Publier l’entrée").click()
    desk.locator(".live-admin-entries", has_text="un scrutin calme").wait_for()
    desk.screenshot(path=SCREENSHOTS / "live-desk.png", full_page=True)

    # The reader is told, without the text moving; a click shows both, newest first.
    button = reader.locator("[data-live-new]")
    button.wait_for(state="visible")
    # A locator, not wait_for_function(): a string predicate is eval()'d in the page, which the page's
    # CSP forbids (it failed whenever the first check came too early and Playwright had to poll).
    reader.locator("[data-live-new]", has_text=re.compile(r"^\s*2 ")).wait_for()
    assert button.inner_text() == "2 nouvelles entrées"
    assert reader.locator(".live-entries .live-entry").count() == 0
    button.click()
    titles = reader.locator(".live-entries .live-entry .live-entry-body").all_inner_texts()
    assert titles == [
        "Le président salue « un scrutin calme ».",
        "Premiers résultats partiels : trois partis au-dessus de 5 %.",
    ]
    assert reader.evaluate("window.__notReloaded") is True
    entry = LiveEntry.objects.get(title="Réaction")
    assert reader.locator(f"#entree-{entry.pk} a.live-time").get_attribute("href") == f"#entree-{entry.pk}"
    reader.screenshot(path=SCREENSHOTS / "live-reader.png", full_page=True)

    # The editor pins the first entry and ends the direct; the open page follows.
    desk.locator(".live-admin-entry", has_text="Premiers résultats").get_by_role("button", name="Épingler").click()
    desk.get_by_role("button", name="Terminer le direct").click()
    reader.locator(".live-status--ended").wait_for()
    assert "Ce direct est terminé" in reader.locator(".live-status--ended").inner_text()
    assert "Premiers résultats" in reader.locator("[data-live-pinned]").inner_text()
    assert reader.locator(".live-entries .live-entry").count() == 1
    reader_context.close()
    editor_context.close()
