"""A reader signs up from the box, confirms, receives a digest and leaves, in a real browser."""

import re

import pytest
from django.test import override_settings

from newsletter import editions
from newsletter.models import Newsletter, Subscriber
from tests.factories import make_article
from tests.newsletter.sink import Sink

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def smtp_sink(live_server):
    sink = Sink()
    sink.start()
    with override_settings(MAILERS=sink.mailers(), SITE_URL=live_server.url):
        yield sink
    sink.stop()


def first_link(text, name):
    return re.search(rf"https?://\S+/newsletter/{name}/\S+/", text).group(0)


def test_reader_signs_up_confirms_receives_and_unsubscribes(page, smtp_sink):
    page.goto("/newsletter/merci/")
    box = page.locator(".newsletter-box")
    assert box.get_by_role("heading", name="Newsletter").is_visible()
    box.get_by_label("Votre adresse électronique").fill("lectrice@example.org")
    box.get_by_role("button", name="Je m’abonne").click()
    page.get_by_role("heading", name="Vérifiez votre boîte de réception").wait_for()

    [confirmation] = smtp_sink.to("lectrice@example.org")
    text = confirmation.get_body(("plain",)).get_content()
    page.goto(first_link(text, "confirmer"))
    page.get_by_role("button", name="Je confirme mon inscription").click()
    page.get_by_text("Merci !").wait_for()
    assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE

    make_article(headline="Le Kazakhstan dévoile son budget")
    edition = editions.assemble_edition(newsletter=Newsletter.objects.get(slug="essentiel-quotidien"))
    editions.start_edition(edition=edition)
    digest = smtp_sink.to("lectrice@example.org")[-1]
    html = digest.get_body(("html",)).get_content()
    assert "Le Kazakhstan dévoile son budget" in html

    page.goto(first_link(digest.get_body(("plain",)).get_content(), "desinscription"))
    page.get_by_role("button", name="Me désinscrire").click()
    page.get_by_role("heading", name="Vous êtes désinscrit").wait_for()
    assert Subscriber.objects.get().status == Subscriber.Status.UNSUBSCRIBED
