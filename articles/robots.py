"""robots.txt: both sitemaps, and what crawlers must leave alone (the admin, previews, newsletter tokens)."""

from django.http import HttpResponse
from django.urls import reverse

from articles.links import absolute_url

# Path prefixes, not reverse()d: the admin and the newsletter are mounted by the project's urls.
DISALLOWED = [
    "/admin/",
    "/apercu/",
    "/newsletter/confirmer/",
    "/newsletter/desinscription/",
    "/newsletter/preferences/",
]


def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED), ""]
    lines += [f"Sitemap: {absolute_url(reverse(name))}" for name in ("articles:sitemap", "articles:sitemap_news")]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
