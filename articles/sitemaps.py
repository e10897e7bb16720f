"""sitemap.xml: published articles and sections (50 000 URLs a page, ?p=2 beyond, as the protocol allows)."""

from django.contrib.sitemaps import Sitemap

from articles.models import Article, Section


class ArticleSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return (
            Article.objects.published()
            .select_related("section")
            .only("slug", "section__slug", "modified_at", "publish_at")
            .order_by("-publish_at", "-id")
        )

    def location(self, item):
        # article_path(): no reverse() per URL, with tens of thousands of rows.
        return item.get_absolute_url()

    def lastmod(self, item):
        return item.modified_at


class SectionSitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.6

    def items(self):
        return Section.objects.all()


SITEMAPS = {"articles": ArticleSitemap, "sections": SectionSitemap}
