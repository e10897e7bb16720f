"""WireItem → database: the version and withdrawal rules, one transaction per item.

Status changes go through the workflow gate (`Article.move()`, the wire as a system actor).
"""

import logging
from dataclasses import dataclass, field

import reversion
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from taggit.models import Tag, TaggedItem

from articles.models import (
    Actor,
    Article,
    Section,
    Source,
    SubjectMapping,
    WireWithdrawal,
    unique_slug,
)
from articles.wire.newsml import (
    CANCELED,
    COUNTRY_PREFIX,
    FALLBACK_SECTION_SLUG,
    TEXT_CLASS,
    USABLE,
    WITHHELD,
    Malformed,
)

logger = logging.getLogger(__name__)


class Outcome(models.TextChoices):
    CREATED = "created", gettext_lazy("créée")
    UPDATED = "updated", gettext_lazy("mise à jour")
    UNCHANGED = "unchanged", gettext_lazy("inchangée")
    WITHDRAWN = "withdrawn", gettext_lazy("retirée")
    SKIPPED = "skipped", gettext_lazy("ignorée")
    REJECTED = "rejected", gettext_lazy("rejetée")


@dataclass(frozen=True, slots=True)
class ItemResult:
    """What became of one news item (or of a whole file that could not be read)."""

    file: str
    outcome: Outcome
    guid: str = ""
    version: int | None = None
    reason: str = ""
    article_id: int | None = None

    def __str__(self):
        version = f" v{self.version}" if self.version is not None else ""
        parts = [f"{self.outcome.label:<12}", self.file]
        if self.guid:
            parts.append(f"{self.guid}{version}")
        if self.reason:
            parts.append(f"— {self.reason}")
        return " ".join(parts)


@dataclass(slots=True)
class Lookups:
    """Reference rows read once per run rather than once per item."""

    source: Source
    mappings: dict[str, SubjectMapping] = field(default_factory=dict)
    fallback_section: Section | None = None
    tags: dict[str, Tag] = field(default_factory=dict)  # lower-cased name → Tag, filled as the run goes
    content_type: ContentType | None = None

    @classmethod
    def load(cls):
        return cls(
            source=Source.objects.get(slug="afp"),
            mappings={m.qcode: m for m in SubjectMapping.objects.select_related("section")},
            fallback_section=Section.objects.filter(slug=FALLBACK_SECTION_SLUG).first() or Section.objects.first(),
            content_type=ContentType.objects.get_for_model(Article),
        )


# --- Applying -----------------------------------------------------------------------------------


def apply_item(item, *, file="", auto_publish=None, lookups=None):
    """Apply one validated item in its own transaction; a concurrent insert of the same guid is retried once.

    The revisions below are recorded with atomic=False: this transaction already covers them.
    """
    if auto_publish is None:
        auto_publish = settings.WIRE_AUTO_PUBLISH
    lookups = lookups or Lookups.load()
    # A redelivery (a folder read again) is settled by indexed reads, with no transaction and no
    # SQLite write lock; anything else is decided again below, under lock.
    settled = _redelivery(item, file=file)
    if settled is not None:
        return settled
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return _apply(item, file=file, auto_publish=auto_publish, lookups=lookups)
        except IntegrityError:
            # Another ingest created this guid (or took this slug) between our read and our insert:
            # on the retry the row is there and the version rules decide.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _result(item, file, outcome, reason="", article=None):
    return ItemResult(file, outcome, guid=item.guid, version=item.version, reason=reason, article_id=article)


def _withdrawn_result(item, file, tombstone):
    reason = _("dépêche retirée le %s, jamais réimportée") % f"{tombstone.withdrawn_at:%Y-%m-%d}"
    return _result(item, file, Outcome.UNCHANGED, reason)


def _known_version_result(item, file, article):
    reason = _("version %d déjà importée ou plus récente") % article.wire_version
    return _result(item, file, Outcome.UNCHANGED, reason, article.pk)


def _redelivery(item, *, file):
    """The UNCHANGED result when `item` can change nothing (read without locks), else None."""
    if item.pub_status == CANCELED:
        return None
    tombstone = WireWithdrawal.objects.filter(guid=item.guid).first()
    if tombstone is not None:
        return _withdrawn_result(item, file, tombstone)
    article = Article.objects.filter(wire_guid=item.guid).exclude(wire_guid="").only("wire_version").first()
    if article is not None and article.wire_version is not None and item.version <= article.wire_version:
        return _known_version_result(item, file, article)
    return None


def _apply(item, *, file, auto_publish, lookups):
    def result(outcome, reason="", article=None):
        return _result(item, file, outcome, reason, article)

    if item.pub_status == CANCELED:
        return _withdraw(item, result=result)
    tombstone = WireWithdrawal.objects.filter(guid=item.guid).first()
    if tombstone is not None:
        return _withdrawn_result(item, file, tombstone)
    if item.item_class != TEXT_CLASS:
        return result(Outcome.SKIPPED, _("type %s non importé") % item.item_class)

    article = _locked_article(item.guid)
    if article is None:
        article = _create(item, auto_publish=auto_publish, lookups=lookups)
        return result(Outcome.CREATED, _status_note(article, item), article.pk)
    if article.wire_version is not None and item.version <= article.wire_version:
        return _known_version_result(item, file, article)
    _update(article, item, auto_publish=auto_publish, lookups=lookups)
    return result(Outcome.UPDATED, _status_note(article, item), article.pk)


def _locked_article(guid):
    # The unique index on wire_guid is partial (non-empty guids): repeating its condition lets
    # SQLite use it with a bound parameter instead of scanning every article.
    return Article.objects.select_for_update().filter(wire_guid=guid).exclude(wire_guid="").first()


def _status_note(article, item):
    notes = [str(article.get_status_display())]
    if item.pub_status == WITHHELD:
        notes.append(_("retenue par l’agence"))
    if item.embargoed and item.embargoed > timezone.now():
        notes.append(_("sous embargo jusqu’au %s") % f"{item.embargoed:%Y-%m-%d %H:%M} UTC")
    if item.is_correction:
        notes.append(_("correction"))
    notes.extend(item.flags)
    return ", ".join(notes)


def _article_fields(item, lookups):
    return {
        "headline": item.headline,
        "standfirst": item.standfirst,
        "body": item.body,
        "byline": item.byline,
        "dateline": item.place,
        "language": item.language,
        "credit_line": item.credit,
        "section": _section(item, lookups),
        "wire_version": item.version,
        "wire_first_created": item.first_created,
        "wire_version_created": item.version_created,
        "wire_meta": {
            "pub_status": item.pub_status,
            "signals": list(item.signals),
            "embargoed": item.embargoed.isoformat() if item.embargoed else None,
            "ed_note": item.ed_note,
            "dateline": item.dateline,
            "countries": list(item.countries),
            "subjects": [{"qcode": q, "name": n} for q, n in item.subjects],
            "keywords": list(item.keywords),
            "rights": item.rights,
            "replaces_guid": item.replaces_guid,
            "flags": list(item.flags),
        },
    }


def _section(item, lookups):
    """The section of the first mapped country (the dateline's first), else of the first mapped subject."""
    codes = [f"{COUNTRY_PREFIX}{c}" for c in item.countries] + [q for q, _name in item.subjects]
    for code in codes:
        mapping = lookups.mappings.get(code)
        if mapping is not None and mapping.section is not None:
            return mapping.section
    if lookups.fallback_section is None:
        raise Malformed(_("aucune rubrique pour classer la dépêche"))
    return lookups.fallback_section


def _tags(item, lookups):
    """Tag rows for the item's mapped subjects and keywords (case-insensitive, as TAGGIT_CASE_INSENSITIVE)."""
    names = {}
    for qcode, _name in item.subjects:
        mapping = lookups.mappings.get(qcode)
        if mapping is not None and mapping.tag:
            names.setdefault(mapping.tag.lower(), mapping.tag)
    for keyword in item.keywords:
        names.setdefault(keyword.lower(), keyword[:100])
    tags, created = [], {}
    for key, name in names.items():
        tag = lookups.tags.get(key) or Tag.objects.filter(name__iexact=name).order_by("pk").first()
        if tag is None:
            tag = created[key] = Tag.objects.create(name=name)
        else:
            lookups.tags[key] = tag
        tags.append(tag)
    # A tag created in this item's transaction is remembered only once that transaction commits.
    transaction.on_commit(lambda: lookups.tags.update(created))
    return tags


def _may_publish(item, auto_publish):
    return auto_publish and item.pub_status == USABLE and not item.flags


def _publish_time(item):
    """When an auto-published dispatch becomes visible: its embargo if any, else when AFP first sent it."""
    return max(item.embargoed, item.first_created) if item.embargoed else item.first_created


def _create(item, *, auto_publish, lookups):
    article = Article(source=lookups.source, wire_guid=item.guid, **_article_fields(item, lookups))
    article.slug = unique_slug(item.slugline or item.headline)
    if item.version_created > item.first_created:
        article.updated_at = item.version_created
    article.status = Article.Status.DRAFT
    article.publish_at = None if _may_publish(item, auto_publish) else item.embargoed
    with reversion.create_revision(atomic=False):
        reversion.set_comment(_("Dépêche %(guid)s, version %(version)d") % {"guid": item.guid, "version": item.version})
        article.save()
        # A new article has no tags yet: one INSERT, not taggit's per-tag get_or_create and signals.
        TaggedItem.objects.bulk_create(
            TaggedItem(content_type=lookups.content_type, object_id=article.pk, tag=tag) for tag in _tags(item, lookups)
        )
        if _may_publish(item, auto_publish):
            _wire_publish(article, item)
    return article


def _wire_publish(article, item):
    article.publish(actor=Actor.WIRE, at=_publish_time(item), comment=_("Publication automatique du fil AFP"))


def _update(article, item, *, auto_publish, lookups):
    previous_version = article.wire_version
    was_public = article.status == Article.Status.PUBLISHED
    for name, value in _article_fields(item, lookups).items():
        setattr(article, name, value)
    article.updated_at = item.version_created
    # An editor's form opened on the previous version must not overwrite this one.
    article.bump_edit_version()
    if article.status == Article.Status.DRAFT and item.embargoed and not _may_publish(item, auto_publish):
        article.publish_at = item.embargoed
    comment = _("Dépêche %(guid)s, version %(version)d") % {"guid": item.guid, "version": item.version}
    if item.is_correction:
        comment = _("Correction de l’agence : %s") % comment
    with reversion.create_revision(atomic=False):
        reversion.set_comment(comment)
        article.save()
        article.tags.set(_tags(item, lookups))
        # Status changes go through the workflow gate (which purges), recorded as the wire's transitions.
        if item.pub_status == WITHHELD and article.status == Article.Status.PUBLISHED:
            article.move("withhold", actor=Actor.WIRE, comment=_("Retenue par l’agence"))
        elif article.status == Article.Status.DRAFT and _may_publish(item, auto_publish):
            _wire_publish(article, item)
        elif was_public:
            article.schedule_purge()
    if item.is_correction:
        article.corrections.create(
            wrong=_("La version %d de cette dépêche AFP.") % previous_version,
            right=item.ed_note
            or _("L’AFP a diffusé une version corrigée de cette dépêche (version %d).") % item.version,
        )


def _withdraw(item, *, result):
    """Tombstone the guid, unpublish its article at once; rewrites based on it are flagged by the admin."""
    tombstone, created = WireWithdrawal.objects.get_or_create(
        guid=item.guid, defaults={"version": item.version, "note": item.ed_note}
    )
    if not created and item.version > tombstone.version:
        tombstone.version = item.version
        tombstone.save(update_fields=["version"])
    article = _locked_article(item.guid)
    if article is None:
        if created:
            return result(Outcome.WITHDRAWN, _("jamais importée : retrait mémorisé"))
        return result(Outcome.UNCHANGED, _("retrait déjà mémorisé"))
    if article.withdrawn_at is not None:
        return result(Outcome.UNCHANGED, _("déjà retirée"), article.pk)
    article.wire_version = max(article.wire_version or 0, item.version)
    article.wire_meta = {**article.wire_meta, "pub_status": CANCELED, "withdrawal_note": item.ed_note}
    with reversion.create_revision(atomic=False):
        reversion.set_comment(_("Dépêche retirée par l’agence (version %d)") % item.version)
        article.bump_edit_version()
        article.save(update_fields=["wire_version", "wire_meta", "edit_version", "modified_at"])
        article.move("withdraw", actor=Actor.WIRE, comment=_("Retrait de l’agence"), withdrawn_at=timezone.now())
    rewrites = article.rewrites.count()
    reason = _("dépubliée partout")
    if rewrites:
        reason += ", " + _("%d article(s) réécrit(s) signalé(s) aux éditeurs") % rewrites
    return result(Outcome.WITHDRAWN, reason, article.pk)
