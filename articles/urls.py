from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, re_path

from articles import feeds, live_views, preview, views
from articles.cache import public_page
from articles.sitemaps import SITEMAPS

app_name = "articles"

# Fixed paths come before the catch-all section pattern "<slug>/".
urlpatterns = [
    path("", views.home, name="home"),
    path("corrections/", views.CorrectionList.as_view(), name="corrections"),
    path("rss/", public_page(feeds.LatestArticlesFeed()), name="feed"),
    path("rss/<slug:slug>/", public_page(feeds.SectionFeed()), name="section_feed"),
    path("sitemap.xml", public_page(sitemap_views.sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("apercu/<str:token>/", preview.share_preview, name="share_preview"),
    path("direct/<int:pk>.json", live_views.live_poll, name="live_poll"),
    # taggit makes Unicode slugs (« coopération »): \w matches them.
    re_path(r"^mots-cles/(?P<slug>[-\w]+)/$", views.TagArticleList.as_view(), name="tag"),
    path("auteurs/<slug:slug>/", views.AuthorArticleList.as_view(), name="author"),
    path("<slug:slug>/", views.SectionArticleList.as_view(), name="section"),
    path("<slug:section>/<slug:slug>/", views.article_detail, name="detail"),
    path("<slug:section>/<slug:slug>/direct.atom", public_page(live_views.LiveEntriesFeed()), name="live_feed"),
]
