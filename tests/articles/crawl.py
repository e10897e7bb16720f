"""Fetching a public URL as a crawler does: a sitemap index is followed into every part it lists."""

import re

from django.conf import settings


def fetch(client, url):
    """(status, text) of `url`; for a sitemap index, the index followed by each of its parts."""
    response = client.get(url)
    text = response.text if response.status_code == 200 else ""
    if "<sitemapindex" in text:
        for part in re.findall(rf"<loc>{re.escape(settings.SITE_URL)}(/[^<]*)</loc>", text):
            text += client.get(part).text
    return response.status_code, text
