"""The email digest shows each story's featured image: a 600 px JPEG, absolute URL, alt, width/height."""

import re

import feedparser
import pytest
from django.utils import timezone

from newsletter.models import Edition, EditionArticle
from newsletter.sending import EditionRenderer
from tests.factories import make_article, make_image
from tests.newsletter.helpers import daily

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.IMAGE_RENDITION_FORMATS = []


def test_digest_carries_the_teaser_image(settings):
    image = make_image(alt_text="Un lac bleu entre les montagnes", credit="Dana Ospanova")
    article = make_article(headline="Le lac Issyk-Koul", featured_image=image)
    plain = make_article(headline="Sans image")
    now = timezone.now()
    edition = Edition.objects.create(
        newsletter=daily(), subject="L’essentiel", period_start=now - timezone.timedelta(days=1), period_end=now
    )
    EditionArticle.objects.create(edition=edition, article=article, position=1)
    EditionArticle.objects.create(edition=edition, article=plain, position=2)
    html = EditionRenderer(edition).variant().html
    tags = re.findall(r'<img class="story-image"[^>]*>', html)
    assert len(tags) == 1
    tag = tags[0]
    src = re.search(r'src="([^"]+)"', tag).group(1)
    assert src.startswith(f"{settings.SITE_URL}/media/renditions/") and src.endswith(".jpg")
    assert 'alt="Un lac bleu entre les montagnes"' in tag
    assert 'width="600"' in tag and 'height="338"' in tag
    assert re.search(r"Photo\s: Dana Ospanova", html)


def test_feed_items_carry_the_image_as_enclosure_and_media_content(client):
    image = make_image(credit="Dana Ospanova")
    make_article(headline="Le lac Issyk-Koul", featured_image=image)
    body = client.get("/rss/").content
    parsed = feedparser.parse(body)
    entry = parsed.entries[0]
    (enclosure,) = entry.enclosures
    assert enclosure["type"] == "image/jpeg" and int(enclosure["length"]) > 0
    assert enclosure["href"].startswith("http://127.0.0.1:8000/media/renditions/")
    media = entry.media_content[0]
    assert media["url"] == enclosure["href"] and media["medium"] == "image"
    assert (media["width"], media["height"]) == ("800", "450")
    assert b"<media:credit>Dana Ospanova</media:credit>" in body
