from django.urls import path, re_path

from articles import cache, feeds, live_views, preview, sitemaps, views
from articles import robots as seo_views
from articles.cache import public_page
from articles.search import views as search_views

app_name = "articles"

# Fixed paths come before the catch-all section pattern "<slug>/".
urlpatterns = [
    path("", views.home, name="home"),
    path("corrections/", views.CorrectionList.as_view(), name="corrections"),
    path("recherche/", search_views.search_page, name="search"),
    path("opensearch.xml", search_views.opensearch, name="opensearch"),
    path("rss/", public_page(feeds.LatestArticlesFeed(), keys=[cache.FEEDS]), name="feed"),
    path("rss/<slug:slug>/", public_page(feeds.SectionFeed(), keys=[cache.FEEDS]), name="section_feed"),
    re_path(r"^rss/mots-cles/(?P<slug>[-\w]+)/$", public_page(feeds.TagFeed(), keys=[cache.FEEDS]), name="tag_feed"),
    path("rss/auteurs/<slug:slug>/", public_page(feeds.AuthorFeed(), keys=[cache.FEEDS]), name="author_feed"),
    path("atom/", public_page(feeds.SiteAtomFeed(), keys=[cache.FEEDS]), name="feed_atom"),
    path("atom/<slug:slug>/", public_page(feeds.SectionAtomFeed(), keys=[cache.FEEDS]), name="section_feed_atom"),
    re_path(
        r"^atom/mots-cles/(?P<slug>[-\w]+)/$",
        public_page(feeds.TagAtomFeed(), keys=[cache.FEEDS]),
        name="tag_feed_atom",
    ),
    path("atom/auteurs/<slug:slug>/", public_page(feeds.AuthorAtomFeed(), keys=[cache.FEEDS]), name="author_feed_atom"),
    path("sitemap.xml", public_page(sitemaps.index, keys=[cache.SITEMAPS]), name="sitemap"),
    path("sitemap-news.xml", public_page(sitemaps.news, keys=[cache.SITEMAPS]), name="sitemap_news"),
    path("sitemap-rubriques.xml", public_page(sitemaps.pages, keys=[cache.SITEMAPS]), name="sitemap_pages"),
    path("sitemap-mots-cles.xml", public_page(sitemaps.tags, keys=[cache.SITEMAPS]), name="sitemap_tags"),
    path("sitemap-auteurs.xml", public_page(sitemaps.authors, keys=[cache.SITEMAPS]), name="sitemap_authors"),
    re_path(
        r"^sitemap-articles-(?P<year>[0-9]{4})-(?P<month>[0-9]{2})\.xml$",
        public_page(sitemaps.month, keys=[cache.SITEMAPS]),
        name="sitemap_month",
    ),
    path("robots.txt", public_page(seo_views.robots_txt), name="robots"),
    path("apercu/<str:token>/", preview.share_preview, name="share_preview"),
    path("direct/<int:pk>.json", live_views.live_poll, name="live_poll"),
    # taggit makes Unicode slugs (« coopération »): \w matches them.
    re_path(r"^mots-cles/(?P<slug>[-\w]+)/$", views.TagArticleList.as_view(), name="tag"),
    path("auteurs/<slug:slug>/", views.AuthorArticleList.as_view(), name="author"),
    path("<slug:slug>/", views.SectionArticleList.as_view(), name="section"),
    path("<slug:section>/<slug:slug>/", views.article_detail, name="detail"),
    path("<slug:section>/<slug:slug>/direct.atom", public_page(live_views.LiveEntriesFeed()), name="live_feed"),
]
