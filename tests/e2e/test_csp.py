"""The Content-Security-Policy in a real browser: public pages, the admin and CKEditor 5 run under it
with no violation (docs/security.md)."""

import pytest
from django.contrib.auth import get_user_model

from tests.factories import make_article

PASSWORD = "motdepasse-test"
# Runs before any page script, outside the page's policy: records every violation the browser reports.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  var where = e.sourceFile + ":" + e.lineNumber;
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + where);
});
"""


@pytest.fixture
def watched(page):
    page.add_init_script(RECORD_VIOLATIONS)
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.console_messages = console
    return page


def violations(page):
    blocked = page.evaluate("window.__cspViolations")
    from_console = [text for text in page.console_messages if "Content Security Policy" in text]
    return blocked + from_console


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_public_pages_run_under_the_policy(watched):
    article = make_article(body="<p>Un paragraphe <strong>gras</strong>.</p>")
    for url in ["/", article.get_absolute_url(), "/newsletter/"]:
        response = watched.goto(url)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        watched.wait_for_load_state("networkidle")
        assert violations(watched) == [], url
    # The stylesheet applies (a blocked stylesheet would leave the honeypot visible).
    assert (
        not watched.locator(".newsletter-trap").first.is_visible()
        or watched.locator(".newsletter-trap").first.bounding_box()["x"] < 0
    )


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_admin_article_form_and_ckeditor_load_with_no_violation(watched):
    get_user_model().objects.create_superuser("chef", "chef@example.org", PASSWORD)
    watched.set_viewport_size({"width": 1280, "height": 1000})
    watched.goto("/admin/login/?next=/admin/articles/article/add/")
    watched.fill("#id_username", "chef")
    watched.fill("#id_password", PASSWORD)
    watched.click("input[type=submit]")
    watched.wait_for_url("**/admin/articles/article/add/")
    editor = watched.locator(".ck-editor__editable")
    editor.wait_for()
    editor.click()
    watched.keyboard.type("Texte tapé sous la politique de sécurité.")
    watched.keyboard.press("Control+B")
    watched.keyboard.type(" en gras")
    assert "en gras" in editor.locator("strong").inner_text()
    assert watched.locator(".ck-toolbar .ck-button").count() > 5
    # Select2 autocompletes (admin scripts) work too.
    watched.locator("#id_section + .select2").click()
    watched.locator(".select2-container--open .select2-search__field").wait_for()
    watched.wait_for_load_state("networkidle")
    assert violations(watched) == []
