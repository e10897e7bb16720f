"""Plain factory functions for tests: make_x(**overrides) returns a saved object."""

import itertools

from django.contrib.auth import get_user_model
from django.utils import timezone

from articles.models import Article, Author, Section, Source

_seq = itertools.count(1)


def make_section(**overrides):
    n = next(_seq)
    fields = {"name": f"Rubrique {n}", "slug": f"rubrique-{n}", "order": n}
    fields.update(overrides)
    return Section.objects.create(**fields)


def source(slug):
    """The reference sources created by migration: "redaction" or "afp"."""
    return Source.objects.get(slug=slug)


def make_author(**overrides):
    n = next(_seq)
    fields = {"name": f"Autrice {n}", "slug": f"autrice-{n}"}
    fields.update(overrides)
    return Author.objects.create(**fields)


def make_user(username=None, *, groups=(), **overrides):
    from django.contrib.auth.models import Group

    username = username or f"user{next(_seq)}"
    fields = {"email": f"{username}@example.org", "is_staff": True}
    fields.update(overrides)
    user = get_user_model().objects.create_user(username=username, password="motdepasse-test", **fields)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


def make_article(*, tags=(), authors=(), **overrides):
    """A published in-house article, visible now, unless overridden."""
    n = next(_seq)
    fields = {
        "headline": f"Titre de l’article {n}",
        "standfirst": f"Chapô de l’article {n}.",
        "body": f"<p>Premier paragraphe de l’article {n}.</p>",
        "status": Article.Status.PUBLISHED,
        "publish_at": timezone.now() - timezone.timedelta(minutes=n),
    }
    fields.update(overrides)
    fields.setdefault("section", Section.objects.get(slug="kazakhstan"))
    fields.setdefault("source", source("redaction"))
    article = Article.objects.create(**fields)
    if tags:
        article.tags.add(*tags)
    if authors:
        article.authors.add(*authors)
    return article
