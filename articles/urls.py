from django.urls import path

from articles import views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("mots-cles/<slug:slug>/", views.TagArticleList.as_view(), name="tag"),
    path("auteurs/<slug:slug>/", views.AuthorArticleList.as_view(), name="author"),
    path("<slug:slug>/", views.SectionArticleList.as_view(), name="section"),
    path("<slug:section>/<slug:slug>/", views.article_detail, name="detail"),
]
