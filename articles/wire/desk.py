"""Editors' actions on a dispatch, from the « Fil AFP » admin: publish as is, rewrite."""

from datetime import datetime

import reversion
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import (
    Article,
    Author,
    Source,
    unique_slug,
)
from articles.wire.newsml import WITHHELD

# --- Editors' actions on a dispatch (the « Fil AFP » admin) ---------------------------------------


def embargo_of(dispatch):
    value = (dispatch.wire_meta or {}).get("embargoed")
    return datetime.fromisoformat(value) if value else None


def publish_dispatch(*, dispatch, user):
    """« Publier tel quel »: publish the dispatch as received, at its embargo time if that is still ahead.

    The gate refuses a withdrawn dispatch; what it cannot know is the agency's « withheld » flag.
    """
    if (dispatch.wire_meta or {}).get("pub_status") == WITHHELD:
        raise ValidationError(_("L’agence retient cette dépêche : attendez une version utilisable."))
    embargo = embargo_of(dispatch)
    at = embargo if embargo and embargo > timezone.now() else None
    dispatch.publish(user=user, at=at, comment=_("Dépêche publiée telle quelle depuis le fil AFP"))


def rewrite_dispatch(*, dispatch, user):
    """« Réécrire »: a new in-house draft based on the dispatch, its text, section and tags carried over.

    The draft starts as a copy; the overlap meter on its form tells the journalist when it has
    become a rewrite. Its credit reads « avec AFP » through `based_on`.
    """
    if dispatch.withdrawn_at is not None:
        raise ValidationError(_("Cette dépêche a été retirée par l’agence : elle ne peut pas être réécrite."))
    if not user.has_perm("articles.add_article"):
        raise PermissionDenied(_("Vous n’avez pas le droit de créer un article."))
    with transaction.atomic(), reversion.create_revision():
        article = Article.objects.create(
            headline=dispatch.headline,
            slug=unique_slug(dispatch.headline),
            kicker=dispatch.kicker,
            standfirst=dispatch.standfirst,
            body=dispatch.body,
            section=dispatch.section,
            dateline=dispatch.dateline,
            language=dispatch.language,
            source=Source.objects.get(slug="redaction"),
            based_on=dispatch,
            created_by=user,
            status=Article.Status.DRAFT,
        )
        article.tags.set(dispatch.tags.names())
        author = Author.objects.filter(user=user).first()
        if author is not None:
            article.authors.add(author)
        reversion.set_user(user)
        reversion.set_comment(_("Réécriture de la dépêche %s") % (dispatch.wire_guid or dispatch.pk))
    return article
