"""Live coverage flows: open, post, edit, pin, delete, summarise, end, reopen, add a dispatch, promote.

Every function checks the user's right against the stored state, writes in one transaction, bumps
the direct's version with an F() update (concurrent posters never lose each other's entries) and,
once committed, refreshes only this direct's cached state and the pages that show it
(articles/live_cache.py).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.html import escape, linebreaks, strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from articles import live_cache
from articles.models import Article, Author, LiveBlog, LiveEntry, Source
from articles.sanitize import sanitize_html


def clean_entry_body(text):
    """Sanitised HTML for an entry: HTML (starting with a tag) goes through the allow-list; plain text,
    escaped, becomes paragraphs (a blank line between two)."""
    text = (text or "").strip()
    if not text.startswith("<"):
        text = linebreaks(text, autoescape=True)
    return sanitize_html(text)


def _check_body(body):
    if len(body) > settings.LIVE_ENTRY_MAX_CHARS:
        raise ValidationError(
            _("L’entrée est trop longue (%(max)s caractères au plus)."), params={"max": settings.LIVE_ENTRY_MAX_CHARS}
        )
    if not body.replace("<p>", "").replace("</p>", "").replace("<br>", "").strip():
        raise ValidationError(_("L’entrée est vide : écrivez au moins une phrase."))


def _locked_live(live_pk):
    return LiveBlog.objects.select_for_update().select_related("article").get(pk=live_pk)


def _bump(live_pk, **changes):
    LiveBlog.objects.filter(pk=live_pk).update(version=F("version") + 1, **changes)
    transaction.on_commit(lambda: live_cache.refresh(live_pk))


def open_live(*, article, user, summary=""):
    """Make `article` a running direct (editors). Its page shows entries from then on."""
    if not LiveBlog.can_manage(user) or not user.has_perm("articles.add_liveblog"):
        raise PermissionDenied(_("Seuls les éditeurs ouvrent un direct."))
    with transaction.atomic():
        if LiveBlog.objects.filter(article=article).exists():
            raise ValidationError(_("Cet article est déjà un direct."))
        live = LiveBlog.objects.create(article=article, opened_by=user, summary=sanitize_html(summary))
        transaction.on_commit(lambda: live_cache.refresh(live.pk))
    return live


def post_entry(*, live, user, body, title="", image=None, image_alt="", embed_url="", client_token="", **extra):
    """Add an entry at the top of a running direct. A repeated `client_token` returns the first entry."""
    body = clean_entry_body(body)
    _check_body(body)
    if client_token:
        existing = LiveEntry.objects.filter(live=live, client_token=client_token).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            locked = _locked_live(live.pk)
            if not locked.is_live:
                raise ValidationError(_("Ce direct est terminé : il ne reçoit plus d’entrées."))
            if not locked.can_post(user):
                raise PermissionDenied(_("Vous ne pouvez pas publier dans ce direct."))
            now = timezone.now()
            entry = LiveEntry.objects.create(
                live=locked,
                posted_at=now,
                title=title.strip(),
                body=body,
                image=image or "",
                image_alt=image_alt.strip(),
                embed_url=embed_url.strip(),
                author=extra.pop("author", None) or Author.objects.filter(user=user).first(),
                created_by=user,
                client_token=client_token,
                **extra,
            )
            _bump(live.pk, last_entry_at=now)
    except IntegrityError:
        # The same token (or dispatch) committed by a concurrent request in the meantime.
        existing = LiveEntry.objects.filter(live=live, client_token=client_token).first() if client_token else None
        if existing is None:
            raise ValidationError(_("Cette entrée figure déjà dans le direct.")) from None
        return existing
    return entry


def _moderate(entry, user):
    if not LiveBlog.can_moderate(user):
        raise PermissionDenied(_("Seuls les éditeurs modifient, épinglent ou suppriment une entrée."))
    locked = LiveEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.deleted_at is not None:
        raise ValidationError(_("Cette entrée a été supprimée."))
    return locked


def edit_entry(*, entry, user, body, title=""):
    """Correct an entry; readers see « Entrée modifiée à 14 h 32 » under it."""
    body = clean_entry_body(body)
    _check_body(body)
    with transaction.atomic():
        locked = _moderate(entry, user)
        if locked.body == body and locked.title == title.strip():
            return locked
        locked.body, locked.title = body, title.strip()
        locked.edited_at = timezone.now()
        locked.revision += 1
        locked.save(update_fields=["body", "title", "edited_at", "revision"])
        _bump(locked.live_id)
    return locked


def delete_entry(*, entry, user):
    """Withdraw an entry: its text leaves the page, a dated trace stays in its place."""
    with transaction.atomic():
        locked = _moderate(entry, user)
        locked.deleted_at = timezone.now()
        locked.pinned = False
        locked.revision += 1
        locked.save(update_fields=["deleted_at", "pinned", "revision"])
        _bump(locked.live_id)
    return locked


def pin_entry(*, entry, user, pinned=True):
    """Pin an entry on top of the direct (the previously pinned one is unpinned), or unpin it."""
    with transaction.atomic():
        locked = _moderate(entry, user)
        # Lock the direct first: two editors pinning different entries at once take turns.
        _locked_live(locked.live_id)
        if pinned:
            for other in LiveEntry.objects.filter(live_id=locked.live_id, pinned=True).exclude(pk=locked.pk):
                LiveEntry.objects.filter(pk=other.pk).update(pinned=False, revision=F("revision") + 1)
        locked.pinned = pinned
        locked.revision += 1
        locked.save(update_fields=["pinned", "revision"])
        _bump(locked.live_id)
    return locked


def update_summary(*, live, user, summary):
    if not LiveBlog.can_manage(user):
        raise PermissionDenied(_("Seuls les éditeurs tiennent « L’essentiel » à jour."))
    with transaction.atomic():
        _locked_live(live.pk)
        live.summary = sanitize_html(summary)
        LiveBlog.objects.filter(pk=live.pk).update(summary=live.summary)
        _bump(live.pk)
    return live


def end_live(*, live, user):
    """« Ce direct est terminé »: no more entries; the page reads as an archived article."""
    _set_state(live, user, LiveBlog.State.ENDED, ended_at=timezone.now())


def reopen_live(*, live, user):
    _set_state(live, user, LiveBlog.State.LIVE, ended_at=None)


def _set_state(live, user, state, *, ended_at):
    if not LiveBlog.can_manage(user):
        raise PermissionDenied(_("Seuls les éditeurs ouvrent ou terminent un direct."))
    with transaction.atomic():
        locked = _locked_live(live.pk)
        if locked.state == state:
            raise ValidationError(
                _("Ce direct est déjà terminé.") if state == LiveBlog.State.ENDED else _("Ce direct est déjà en cours.")
            )
        _bump(live.pk, state=state, ended_at=ended_at)
        live.state, live.ended_at = state, ended_at


def add_dispatch(*, live, user, dispatch):
    """Post an agency dispatch as an entry, with the agency's credit. Once per dispatch and direct."""
    if not dispatch.source.is_agency or dispatch.withdrawn_at is not None:
        raise ValidationError(_("Seule une dépêche d’agence non retirée peut entrer dans le direct."))
    if LiveEntry.objects.filter(live=live, source_article=dispatch).exists():
        raise ValidationError(_("Cette dépêche figure déjà dans le direct."))
    body = dispatch.body or f"<p>{escape(dispatch.standfirst)}</p>"
    if len(body) > settings.LIVE_ENTRY_MAX_CHARS:
        body = f"<p>{escape(dispatch.standfirst or Truncator(dispatch.headline).chars(300))}</p>"
    return post_entry(
        live=live,
        user=user,
        body=body,
        title=dispatch.headline[:200],
        author=None,
        credit=dispatch.credit,
        source_article=dispatch,
    )


def promote_entry(*, entry, user):
    """A draft article pre-filled from the entry, linked back to the direct; the entry keeps a link to it."""
    if not user.has_perm("articles.add_article"):
        raise PermissionDenied(_("Vous ne pouvez pas créer d’article."))
    live_article = entry.live.article
    if entry.promoted_to_id:
        raise ValidationError(_("Cette entrée a déjà été développée en article."))
    link = f'<p><a href="{escape(entry.get_absolute_url())}">{escape(live_article.headline)}</a></p>'
    with transaction.atomic():
        article = Article.objects.create(
            headline=entry.title or Truncator(strip_tags(entry.body).strip()).chars(120) or live_article.headline,
            standfirst="",
            body=entry.body + str(_("<p>À suivre dans notre direct :</p>")) + link,
            section=live_article.section,
            source=live_article.source if not live_article.source.is_agency else Source.objects.get(slug="redaction"),
            credit_line=entry.credit and str(_("avec %(agency)s") % {"agency": entry.credit}),
            status=Article.Status.DRAFT,
            created_by=user,
        )
        if entry.author_id:
            article.authors.add(entry.author_id)
        LiveEntry.objects.filter(pk=entry.pk).update(promoted_to=article)
    return article
