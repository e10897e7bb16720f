"""The articles app's models, one module per concern; import them from here.

A new feature adds `articles/models/<feature>.py` and one import line below.
"""

from articles.models.article import Article, ArticleQuerySet, article_path, unique_slug
from articles.models.desk import Assignment, Notification, NotificationSettings
from articles.models.images import Image
from articles.models.live import LiveBlog, LiveEntry
from articles.models.search import SearchVariant
from articles.models.taxonomy import Author, Section, Source, SubjectMapping
from articles.models.wire import WireDispatch, WireWithdrawal
from articles.models.workflow import Actor, Correction, Transition

__all__ = [
    "Actor",
    "Article",
    "ArticleQuerySet",
    "Assignment",
    "Author",
    "Correction",
    "Image",
    "LiveBlog",
    "LiveEntry",
    "Notification",
    "NotificationSettings",
    "SearchVariant",
    "Section",
    "Source",
    "SubjectMapping",
    "Transition",
    "WireDispatch",
    "WireWithdrawal",
    "article_path",
    "unique_slug",
]
