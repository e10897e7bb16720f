"""Factories for live coverage tests: a published direct, its editor and journalists."""

from articles import live
from articles.roles import EDITOR, JOURNALIST
from tests.factories import make_article, make_author, make_user


def make_editor(username=None, **overrides):
    return make_user(username, groups=[EDITOR], **overrides)


def make_journalist(username=None, *, name=None, **overrides):
    user = make_user(username, groups=[JOURNALIST], **overrides)
    make_author(name=name or f"Journaliste {user.pk}", slug=f"journaliste-{user.pk}", user=user)
    return user


def make_live(*, editor=None, summary="", **article_overrides):
    article = make_article(headline=article_overrides.pop("headline", "Élections au Kirghizistan"), **article_overrides)
    return live.open_live(article=article, user=editor or make_editor(), summary=summary)
