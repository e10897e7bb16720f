"""sitemap.xml: an index pointing at the published articles (in pages) and the sections."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from articles.models import Article, Section


class ArticleSitemap(Sitemap):
    changefreq = "daily"
    limit = 5_000

    def items(self):
        return (
            Article.objects.published()
            .select_related("section")
            .only("slug", "section__slug", "modified_at", "publish_at")
            .order_by("-publish_at", "-id")
        )

    def lastmod(self, item):
        return item.modified_at

    def get_latest_lastmod(self):
        # One aggregate instead of Django's default walk over every item.
        return Article.objects.published().aggregate(latest=Max("modified_at"))["latest"]


class SectionSitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.6

    def items(self):
        return Section.objects.all()


SITEMAPS = {"articles": ArticleSitemap, "sections": SectionSitemap}
