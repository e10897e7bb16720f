from django.shortcuts import get_object_or_404, redirect, render
from django.views.generic import ListView
from taggit.models import Tag

from articles.cache import public_page
from articles.models import Article, Author, Section


@public_page
def home(request):
    articles = Article.objects.published().for_listing()[:20]
    return render(request, "articles/home.html", {"articles": articles})


@public_page
def article_detail(request, section, slug):
    article = get_object_or_404(Article.objects.published().select_related("section", "source"), slug=slug)
    if article.section.slug != section:
        return redirect(article, permanent=True)
    return render(request, "articles/article_detail.html", {"article": article})


class PublishedListMixin:
    paginate_by = 20
    template_name = "articles/article_list.html"

    def get_queryset(self):
        return Article.objects.published().for_listing()


class SectionArticleList(PublishedListMixin, ListView):
    def get_queryset(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return super().get_queryset().filter(section=self.section)


class TagArticleList(PublishedListMixin, ListView):
    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)


class AuthorArticleList(PublishedListMixin, ListView):
    def get_queryset(self):
        self.author = get_object_or_404(Author, slug=self.kwargs["slug"])
        return super().get_queryset().filter(authors=self.author)


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
