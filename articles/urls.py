from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, re_path

from articles import feeds, preview, views
from articles.cache import public_page
from articles.sitemaps import SITEMAPS

app_name = "articles"

# Fixed paths come before the catch-all section pattern "<slug>/".
urlpatterns = [
    path("", views.home, name="home"),
    path("corrections/", views.CorrectionList.as_view(), name="corrections"),
    path("rss/", public_page(feeds.LatestArticlesFeed()), name="feed"),
    path("rss/<slug:slug>/", public_page(feeds.SectionFeed()), name="section_feed"),
    re_path(r"^rss/mots-cles/(?P<slug>[-\w]+)/$", public_page(feeds.TagFeed()), name="tag_feed"),
    path("rss/auteurs/<slug:slug>/", public_page(feeds.AuthorFeed()), name="author_feed"),
    path("atom/", public_page(feeds.SiteAtomFeed()), name="feed_atom"),
    path("atom/<slug:slug>/", public_page(feeds.SectionAtomFeed()), name="section_feed_atom"),
    re_path(r"^atom/mots-cles/(?P<slug>[-\w]+)/$", public_page(feeds.TagAtomFeed()), name="tag_feed_atom"),
    path("atom/auteurs/<slug:slug>/", public_page(feeds.AuthorAtomFeed()), name="author_feed_atom"),
    path("sitemap.xml", public_page(sitemap_views.sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("apercu/<str:token>/", preview.share_preview, name="share_preview"),
    # taggit makes Unicode slugs (« coopération »): \w matches them.
    re_path(r"^mots-cles/(?P<slug>[-\w]+)/$", views.TagArticleList.as_view(), name="tag"),
    path("auteurs/<slug:slug>/", views.AuthorArticleList.as_view(), name="author"),
    path("<slug:slug>/", views.SectionArticleList.as_view(), name="section"),
    path("<slug:section>/<slug:slug>/", views.article_detail, name="detail"),
]
