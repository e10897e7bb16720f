"""A reader on a phone opens the home page and reads the in-house story written from the AFP dispatch."""

import pytest
from django.conf import settings
from django.core.management import call_command

from articles import demo


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reader_opens_the_inhouse_story_on_a_phone(page):
    call_command("load_demo", verbosity=0)
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_role("link", name="La France au cœur de la stratégie kazakhe").first.click()

    page.wait_for_url(f"**/kazakhstan/{demo.INHOUSE_STORY['slug']}/")
    assert page.get_by_role("heading", level=1).inner_text() == "La France au cœur de la stratégie kazakhe"
    byline = page.locator(".byline")
    assert "avec AFP" in byline.inner_text()
    assert byline.get_by_role("link", name="avec AFP").get_attribute("href") == (
        f"/kazakhstan/{demo.AFP_STORY['slug']}/"
    )
    tags = page.get_by_role("list", name="Mots-clés")
    for tag in ("France", "Kazakhstan", "coopération", "visite", "Emmanuel Macron"):
        assert tags.get_by_role("link", name=tag, exact=True).is_visible()
    assert page.locator(".newsletter-box").count() == 1

    # Nothing wider than the phone screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    out = settings.BASE_DIR / "var"
    out.mkdir(exist_ok=True)
    page.screenshot(path=out / "e2e-article-phone.png", full_page=True)
    page.goto("/")
    page.screenshot(path=out / "e2e-home-phone.png", full_page=True)
