"""Files and bytes → ItemResult per item: what the `ingest_newsml` command and the drop folder call."""

import logging
from pathlib import Path

from django.conf import settings
from django.db import DataError
from django.utils.translation import gettext as _

from articles.wire.apply import ItemResult, Lookups, Outcome, apply_item
from articles.wire.newsml import Malformed, parse_item, parse_message

logger = logging.getLogger(__name__)


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
