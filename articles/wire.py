"""AFP wire ingest (NewsML-G2): parse → validate → apply, one transaction per item.

`ingest_paths()` is what the `ingest_newsml` command and the drop-folder task call. Each news item
ends as one `ItemResult`: created, updated, unchanged, withdrawn, skipped or rejected (with the
reason). Field mapping and the version / withdrawal rules: ../shared/newsml/FORMAT.md and docs/wire.md.
"""

import html
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.etree.ElementTree import ParseError

import reversion
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from taggit.models import Tag, TaggedItem

from articles.models import (
    Actor,
    Article,
    Author,
    Section,
    Source,
    SubjectMapping,
    WireWithdrawal,
    unique_slug,
)
from articles.sanitize import sanitize_html

logger = logging.getLogger(__name__)

G2 = "{http://iptc.org/std/nar/2006-10-01/}"
XHTML = "{http://www.w3.org/1999/xhtml}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

USABLE, WITHHELD, CANCELED = "stat:usable", "stat:withheld", "stat:canceled"
PUB_STATUSES = {USABLE: USABLE, WITHHELD: WITHHELD, CANCELED: CANCELED, "stat:cancelled": CANCELED}
TEXT_CLASS = "ninat:text"
CORRECTION = "sig:correction"
COUNTRY_PREFIX = "iso3166-1a2:"
FALLBACK_SECTION_SLUG = "monde"

# The body goes through the editor's allow-list (articles.sanitize), the one list of the site. These
# elements go with their content (FORMAT.md: the wire's body is text; pictures come as their own items).
DROP_TAGS = frozenset({
    "head", "title", "script", "style", "iframe", "frame", "object", "embed", "applet", "svg", "math",
    "form", "input", "button", "select", "textarea", "noscript", "template", "img", "video", "audio",
    "canvas", "picture", "source", "link", "meta", "base",
})  # fmt: skip
# Editor's tags the wire's text has no use for: unwrapped to their text.
UNWRAP_TAGS = frozenset({"u", "s", "hr", "figure", "figcaption"})
# Deeper than this is no news text but a poison file (recursive walks would overflow the stack).
MAX_DEPTH = 64
# PositiveIntegerField in PostgreSQL: a larger version would fail at the database.
MAX_VERSION = 2**31 - 1
# A wire date outside these years is garbage, and near year 1 or 9999 time-zone arithmetic overflows.
DATE_YEARS = range(1900, 3000)
HEADLINE_FROM_BODY_CHARS = 100


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


class Malformed(ValueError):
    """An item (or a file) that must be rejected; the message is the reason shown to operators."""


@dataclass(frozen=True, slots=True)
class WireItem:
    """One newsItem, read and validated, not yet applied."""

    guid: str
    version: int
    item_class: str
    pub_status: str
    first_created: datetime
    version_created: datetime
    embargoed: datetime | None = None
    ed_note: str = ""
    signals: tuple[str, ...] = ()
    headline: str = ""
    slugline: str = ""
    standfirst: str = ""
    body: str = ""
    byline: str = ""
    dateline: str = ""
    place: str = ""
    countries: tuple[str, ...] = ()
    subjects: tuple[tuple[str, str], ...] = ()
    keywords: tuple[str, ...] = ()
    language: str = "fr"
    credit: str = "AFP"
    rights: str = ""
    replaces_guid: str = ""
    flags: tuple[str, ...] = ()

    @property
    def is_correction(self):
        return CORRECTION in self.signals


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


# --- Reading files ------------------------------------------------------------------------------


def wire_files(paths):
    """The files to ingest: named files as given, directories walked recursively for *.xml, sorted."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".xml" and not p.name.startswith(".")
            )
        else:
            yield path


def ingest_paths(paths, *, auto_publish=None, lookups=None):
    """Ingest every item of every file under `paths`; yield one ItemResult per item."""
    lookups = lookups or Lookups.load()
    for path in wire_files(paths):
        yield from ingest_file(path, auto_publish=auto_publish, lookups=lookups)


def ingest_file(path, *, auto_publish=None, lookups=None):
    """Ingest one NewsML-G2 file. A file that cannot be read gives one rejected result."""
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
        if size > settings.WIRE_MAX_FILE_BYTES:
            raise Malformed(
                _("fichier trop gros (%(size)d octets, limite %(limit)d)")
                % {"size": size, "limit": settings.WIRE_MAX_FILE_BYTES}
            )
        data = path.read_bytes()
    except OSError as exc:
        return [ItemResult(name, Outcome.REJECTED, reason=_("fichier illisible : %s") % exc.strerror)]
    except Malformed as exc:
        return [ItemResult(name, Outcome.REJECTED, reason=str(exc))]
    return ingest_bytes(data, name=name, auto_publish=auto_publish, lookups=lookups)


def ingest_bytes(data, *, name, auto_publish=None, lookups=None):
    if auto_publish is None:
        auto_publish = settings.WIRE_AUTO_PUBLISH
    try:
        elements = parse_message(data)
    except Malformed as exc:
        logger.warning("wire: rejected %s: %s", name, exc)
        return [ItemResult(name, Outcome.REJECTED, reason=str(exc))]
    lookups = lookups or Lookups.load()
    results = []
    for element in elements:
        guid = element.get("guid", "").strip()
        try:
            item = parse_item(element)
        except Malformed as exc:
            logger.warning("wire: rejected an item of %s (%s): %s", name, guid or "no guid", exc)
            results.append(ItemResult(name, Outcome.REJECTED, guid=guid, reason=str(exc)))
            continue
        try:
            results.append(apply_item(item, file=name, auto_publish=auto_publish, lookups=lookups))
        except Malformed as exc:
            results.append(ItemResult(name, Outcome.REJECTED, guid=guid, version=item.version, reason=str(exc)))
        except DataError as exc:
            # A value the checks above let through but the database refuses: the item's transaction
            # rolled back, nothing of it is written; the next items go on.
            logger.warning("wire: database refused an item of %s (%s): %s", name, guid, exc)
            reason = _("valeur refusée par la base de données : %s") % str(exc).splitlines()[0][:200]
            results.append(ItemResult(name, Outcome.REJECTED, guid=guid, version=item.version, reason=reason))
    return results


# --- Parsing and validation ---------------------------------------------------------------------


def parse_message(data):
    """The newsItem elements of a newsMessage (or a bare newsItem). DTDs and entities are refused."""
    if len(data) > settings.WIRE_MAX_FILE_BYTES:
        raise Malformed(_("fichier trop gros (limite %d octets)") % settings.WIRE_MAX_FILE_BYTES)
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise Malformed(_("DTD ou entité interdite (%s)") % type(exc).__name__) from exc
    except ParseError as exc:
        raise Malformed(_("XML mal formé : %s") % exc) from exc
    if root.tag == f"{G2}newsItem":
        return [root]
    if root.tag != f"{G2}newsMessage":
        raise Malformed(_("racine inattendue : %s (newsMessage ou newsItem NewsML-G2 attendu)") % root.tag)
    items = [child for item_set in root.findall(f"{G2}itemSet") for child in item_set if _local(child) == "newsItem"]
    if not items:
        raise Malformed(_("aucun newsItem dans le message"))
    return items


def parse_item(el):
    """Read and validate one newsItem; raise Malformed with the reason when it cannot be imported."""
    if el.tag != f"{G2}newsItem":
        raise Malformed(_("newsItem hors de l’espace de noms NewsML-G2 : %s") % el.tag)
    guid = (el.get("guid") or "").strip()
    if not guid:
        raise Malformed(_("attribut guid manquant"))
    if len(guid) > Article._meta.get_field("wire_guid").max_length:
        raise Malformed(_("guid trop long"))
    raw_version = (el.get("version") or "").strip()
    # ASCII digits only: str.isdigit() also accepts « ² » or « ١ », which int() then refuses or reads.
    if not re.fullmatch(r"[0-9]{1,12}", raw_version) or not 1 <= int(raw_version) <= MAX_VERSION:
        raise Malformed(_("version absente ou non entière positive : %r") % raw_version[:40])
    if _too_deep(el):
        raise Malformed(_("imbrication trop profonde (plus de %d niveaux d’éléments)") % MAX_DEPTH)

    meta = el.find(f"{G2}itemMeta")
    if meta is None:
        raise Malformed(_("itemMeta manquant"))
    item_class = _attr(meta, "itemClass", "qcode")
    if not item_class:
        raise Malformed(_("itemMeta/itemClass manquant"))
    status_code = _attr(meta, "pubStatus", "qcode") or USABLE
    if status_code not in PUB_STATUSES:
        raise Malformed(_("pubStatus inconnu : %s") % status_code)
    pub_status = PUB_STATUSES[status_code]
    content = el.find(f"{G2}contentMeta")
    if content is None:
        content = el.makeelement(f"{G2}contentMeta", {})
    version_text = _text(meta, "versionCreated")
    if not version_text:
        raise Malformed(_("itemMeta/versionCreated manquant"))
    version_created = _date(version_text, "versionCreated")
    first_text = _text(meta, "firstCreated") or _text(content, "contentCreated")
    first_created = _date(first_text, "firstCreated") if first_text else version_created
    embargo_text = _text(meta, "embargoed")
    embargoed = _date(embargo_text, "embargoed") if embargo_text else None
    ed_note = "\n".join(_clean(" ".join(n.itertext())) for n in meta.findall(f"{G2}edNote")).strip()
    signals = tuple(s.get("qcode", "") for s in meta.findall(f"{G2}signal") if s.get("qcode"))
    replaces = ""
    for link in meta.findall(f"{G2}link"):
        if link.get("rel") == "irel:previousVersion" and link.get("residref", guid) != guid:
            replaces = link.get("residref", "")

    common = {
        "guid": guid,
        "version": int(raw_version),
        "item_class": item_class,
        "pub_status": pub_status,
        "first_created": first_created,
        "version_created": version_created,
        "embargoed": embargoed,
        "ed_note": ed_note,
        "signals": signals,
        "replaces_guid": replaces,
    }
    if item_class != TEXT_CLASS or pub_status == CANCELED:
        # Skipped or withdrawn: only the identity matters, the content is never imported.
        return WireItem(**common, headline=_text(content, "headline"))

    flags = []
    body_el = _xhtml_body(el)
    headline = _text(content, "headline")
    standfirst = ""
    for description in content.findall(f"{G2}description"):
        if description.get("role", "drol:summary") == "drol:summary":
            standfirst = _clean(" ".join(description.itertext()))
            break
    lead = None
    if not standfirst and body_el is not None:
        lead = next((child for child in body_el if _local(child) == "p" and _clean(_all_text(child))), None)
        if lead is not None:
            standfirst = _clean(_all_text(lead))
    body = _render_children(body_el, skip=lead) if body_el is not None else ""
    # The XHTML's indentation is noise; a newline between tags renders the same and reads better.
    body = re.sub(r">\s+<", ">\n<", sanitize_html(body, drop_with_content=DROP_TAGS, unwrap=UNWRAP_TAGS))
    body_text = _clean(_all_text(body_el)) if body_el is not None else ""
    if not headline and not body_text:
        raise Malformed(_("dépêche sans titre ni texte"))
    if not headline:
        headline = _truncate(body_text, HEADLINE_FROM_BODY_CHARS)
        flags.append(_("titre absent, tiré du texte : à relire"))
    if embargoed is None and re.search(r"\bembargo", ed_note, re.IGNORECASE):
        flags.append(_("embargo mentionné dans la note de l’agence : à vérifier avant publication"))

    located = content.find(f"{G2}located")
    place = ""
    countries = []
    if located is not None:
        place = _name(located) or located.get("literal", "")
        for broader in located.findall(f"{G2}broader"):
            if broader.get("type") == "cptype:country" and broader.get("qcode", "").startswith(COUNTRY_PREFIX):
                countries.append(broader.get("qcode")[len(COUNTRY_PREFIX) :].upper())
    dateline = _text(content, "dateline")
    if not place and dateline:
        place = dateline.split(",")[0]
    subjects = []
    for subject in content.findall(f"{G2}subject"):
        qcode = subject.get("qcode", "").strip()
        if not qcode:
            continue
        subjects.append((qcode, _name(subject)))
        if qcode.startswith(COUNTRY_PREFIX):
            countries.append(qcode[len(COUNTRY_PREFIX) :].upper())
    creator = content.find(f"{G2}creator")
    byline = _text(content, "by") or (_name(creator) if creator is not None else "")
    language = _attr(content, "language", "tag") or el.get(XML_LANG) or "fr"
    rights = el.find(f"{G2}rightsInfo")

    return WireItem(
        **common,
        headline=headline[:255],
        slugline=_text(content, "slugline"),
        standfirst=standfirst,
        body=body,
        byline=byline[:255],
        dateline=dateline,
        place=place[:150],
        countries=tuple(dict.fromkeys(countries)),
        subjects=tuple(subjects),
        keywords=tuple(k for k in (_clean(kw.text or "") for kw in content.findall(f"{G2}keyword")) if k),
        language=language[:10],
        credit=(_text(content, "creditline") or "AFP")[:100],
        rights=_text(rights, "copyrightNotice") if rights is not None else "",
        flags=tuple(flags),
    )


def _local(el):
    return el.tag.rpartition("}")[2] if isinstance(el.tag, str) else ""


def _clean(text):
    return " ".join(text.split())


def _all_text(el):
    return " ".join(el.itertext()) if el is not None else ""


def _text(parent, tag):
    el = parent.find(f"{G2}{tag}")
    return _clean(_all_text(el)) if el is not None else ""


def _attr(parent, tag, attr):
    el = parent.find(f"{G2}{tag}")
    return (el.get(attr) or "").strip() if el is not None else ""


def _name(el):
    """The element's <name>, in French when there is one."""
    names = el.findall(f"{G2}name")
    for name in names:
        if name.get(XML_LANG, "").startswith("fr"):
            return _clean(name.text or "")
    return _clean(names[0].text or "") if names else ""


def _date(text, label):
    try:
        value = datetime.fromisoformat(text.strip())
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise Malformed(_("date illisible dans %(field)s : %(value)r") % {"field": label, "value": text[:60]}) from exc
    if value.year not in DATE_YEARS:
        raise Malformed(_("date hors limites dans %(field)s : %(value)r") % {"field": label, "value": text[:60]})
    return value


def _too_deep(root):
    """Whether elements nest deeper than MAX_DEPTH under `root` (walked without recursion)."""
    stack = [(root, 1)]
    while stack:
        el, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in el)
    return False


def _truncate(text, limit):
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _xhtml_body(item):
    for inline in item.iterfind(f"{G2}contentSet/{G2}inlineXML"):
        if inline.get("contenttype", "application/xhtml+xml") == "application/xhtml+xml":
            body = inline.find(f"{XHTML}html/{XHTML}body")
            if body is not None:
                return body
    return None


def _render_children(el, *, skip=None):
    """The XHTML content of `el` as HTML text, every element kept as is: the allow-list sorts it afterwards."""
    parts = [html.escape(el.text or "", quote=False)]
    for child in el:
        if child is not skip:
            parts.append(_render(child))
        parts.append(html.escape(child.tail or "", quote=False))
    return "".join(parts)


def _render(el):
    tag = _local(el)
    if not tag:  # a comment or a processing instruction
        return ""
    attrs = "".join(
        f' {name.rpartition("}")[2]}="{html.escape(value)}"' for name, value in el.attrib.items() if "}" not in name
    )
    return f"<{tag}{attrs}>{_render_children(el)}</{tag}>"


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
