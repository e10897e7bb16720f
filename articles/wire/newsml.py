"""NewsML-G2 → WireItem: reading and validating one news item, nothing written.

Every malformed item raises `Malformed` with the reason operators see. Field mapping and limits:
../shared/newsml/FORMAT.md and docs/wire.md.
"""

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.utils.translation import gettext as _

from articles.models import (
    Article,
)
from articles.sanitize import sanitize_html

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
