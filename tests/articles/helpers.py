"""Posting the article admin's change form the way a browser (or a crafted request) does."""

from django.urls import reverse
from django.utils.timezone import localtime

from articles.models import Article


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def form_data(article, **overrides):
    """Every field of the article change form, filled from the stored article."""
    article = Article.objects.get(pk=article.pk)
    data = {
        "headline": article.headline,
        "slug": article.slug,
        "kicker": article.kicker,
        "standfirst": article.standfirst,
        "body": article.body,
        "section": article.section_id,
        "tags": ", ".join(article.tags.names()),
        "byline": article.byline,
        "dateline": article.dateline,
        "source": article.source_id,
        "based_on": article.based_on_id or "",
        "credit_line": article.credit_line,
        "featured_image": article.featured_image_id or "",
        "publish_at_0": localtime(article.publish_at).strftime("%d/%m/%Y") if article.publish_at else "",
        "publish_at_1": localtime(article.publish_at).strftime("%H:%M:%S") if article.publish_at else "",
        "updated_at_0": "",
        "updated_at_1": "",
        "edit_version": article.edit_version,
    }
    authors = list(article.authors.values_list("pk", flat=True))
    if authors:
        data["authors"] = authors
    data.update(overrides)
    return data


def post_change(client, article, **overrides):
    return client.post(change_url(article), form_data(article, **overrides))
