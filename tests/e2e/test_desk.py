"""The desk in a real browser: a returned story reaches its journalist's desk; the admin passes axe-core.

axe-core (WCAG 2.1 AA rules) comes from npm, installed by scripts/system-deps into var/npm; it is
injected into each admin page an editor uses and must find no violation.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings

from articles.models import Article, Assignment
from articles.roles import EDITOR, JOURNALIST
from tests.factories import make_article, make_author, make_user, source

PASSWORD = "motdepasse-test"
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
AXE = Path(settings.BASE_DIR) / "var/npm/node_modules/axe-core/axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def log_in(page, username, then="/admin/"):
    page.goto(f"/admin/login/?next={then}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{then}")


def axe_violations(page):
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}): run scripts/system-deps")
    # Evaluated through DevTools rather than added as a <script>: the admin's CSP forbids inline scripts.
    page.evaluate(AXE.read_text() + "\n;void 0")
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))",
        WCAG_AA,
    )
    return result


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_editor_returns_a_story_and_the_journalist_sees_it_with_the_comment(browser, live_server):
    journalist = make_user("journaliste", groups=[JOURNALIST], first_name="Saule", last_name="Issabekova")
    make_user("editeur", groups=[EDITOR], first_name="Marc", last_name="Durand")
    article = make_article(
        headline="Les steppes du Kazakhstan face à la sécheresse",
        status=Article.Status.DRAFT,
        publish_at=None,
        created_by=journalist,
    )
    article.submit(user=journalist)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    editor_view = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 800})
    page = editor_view.new_page()
    page.set_default_timeout(10_000)
    log_in(page, "editeur")
    review = page.locator(".desk-to_review")
    assert "Les steppes du Kazakhstan face à la sécheresse" in review.inner_text()
    page.screenshot(path=SCREENSHOTS / "desk-editor.png")
    review.get_by_role("link", name="Les steppes du Kazakhstan face à la sécheresse").click()
    page.fill("#id__transition_comment", "Ajoute les chiffres de la récolte 2025, s’il te plaît.")
    page.get_by_role("button", name="Renvoyer au rédacteur").click()
    page.wait_for_selector(".messagelist")
    editor_view.close()

    journalist_view = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 800}
    )
    page = journalist_view.new_page()
    page.set_default_timeout(10_000)
    log_in(page, "journaliste")
    returned = page.locator(".desk-returned")
    assert "Les steppes du Kazakhstan face à la sécheresse" in returned.inner_text()
    assert "Ajoute les chiffres de la récolte 2025, s’il te plaît." in returned.inner_text()
    assert page.locator(".desk-bell").text_content().strip() == "Notifications (1)"
    page.screenshot(path=SCREENSHOTS / "desk-journalist.png")
    # The article list tells a returned draft from a fresh one.
    page.goto("/admin/articles/article/")
    assert page.locator(".status-badge.status-returned").inner_text() == "Renvoyé au rédacteur"
    journalist_view.close()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_admin_pages_an_editor_uses_have_no_wcag_violation(browser, live_server):
    editor = make_user("editeur", groups=[EDITOR], first_name="Marc", last_name="Durand")
    make_author(name="Marc Durand", slug="marc-durand", user=editor)
    dispatch = make_article(headline="Dépêche AFP sur Astana", source=source("afp"))
    article = make_article(headline="Astana accueille un sommet", based_on=dispatch, tags=["diplomatie"])
    topic = Assignment.objects.create(working_title="Le sommet d’Astana vu de Tachkent")
    topic.assignees.add(editor)
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, "editeur")
    pages = [
        "/admin/",
        "/admin/articles/article/",
        "/admin/articles/article/add/",
        f"/admin/articles/article/{article.pk}/change/",
        "/admin/articles/wiredispatch/",
        "/admin/articles/assignment/",
        "/admin/articles/assignment/add/",
        "/admin/articles/assignment/budget/",
        "/admin/desk/notifications/",
        "/admin/desk/preferences/",
        "/admin/newsletter/edition/",
    ]
    found = {}
    for url in pages:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        violations = axe_violations(page)
        if violations:
            found[url] = violations
    context.close()
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)
