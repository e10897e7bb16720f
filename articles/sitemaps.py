"""sitemap.xml: published articles and sections (50 000 URLs a page, ?p=2 beyond, as the protocol allows).

Locations come from SITE_URL (articles.links), never from the request's host.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap

from articles.models import Article, Section


class SiteSitemap(Sitemap):
    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        # Django writes f"{protocol}://{domain}{location}": the domain carries SITE_URL's path prefix.
        return settings.SITE_URL.split("//", 1)[1]


class ArticleSitemap(SiteSitemap):
    changefreq = "daily"

    def items(self):
        return (
            Article.objects.published()
            .select_related("section")
            .only("slug", "section__slug", "publish_at", "updated_at")
            .order_by("-publish_at", "-id")
        )

    def location(self, item):
        # Same path as get_absolute_url() without a reverse() per URL: tens of thousands of rows.
        return f"/{item.section.slug}/{item.slug}/"

    def lastmod(self, item):
        return item.last_changed


class SectionSitemap(SiteSitemap):
    changefreq = "hourly"
    priority = 0.6

    def items(self):
        return Section.objects.all()


SITEMAPS = {"articles": ArticleSitemap, "sections": SectionSitemap}
