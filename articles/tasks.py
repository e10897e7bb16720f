"""Background work of the articles app: the AFP drop-folder ingest.

`ingest_drop_folder` reads every NewsML-G2 file in WIRE_DROP_DIR, then moves it to done/ (every item
applied or unchanged) or quarantine/ (something rejected; the reasons go beside it in a .txt file).
Enqueued with `every=<seconds>`, it schedules its own next run; without it, it runs once (cron,
systemd timer or `manage.py ingest_newsml --drop-folder` for the same result). Running it twice, or
dropping a file twice, is harmless: items are keyed on guid + version and each applies in its own
transaction.
"""

import logging
from collections import Counter
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from articles import wire

logger = logging.getLogger(__name__)

DONE, QUARANTINE = "done", "quarantine"
# Files still being written by the delivery agent (temporary names) are left for the next run.
PENDING_SUFFIXES = (".tmp", ".part", ".partial")


@task
def ingest_drop_folder(every=None):
    """Ingest the drop folder once; with `every` (seconds), enqueue the next run that much later."""
    counts = ingest_folder(drop_dir=settings.WIRE_DROP_DIR)
    # A backend that cannot defer (the immediate one in tests) would run the next round at once, forever.
    if every and ingest_drop_folder.get_backend().supports_defer:
        ingest_drop_folder.using(run_after=timezone.now() + timedelta(seconds=every)).enqueue(every=every)
    return counts


def pending_files(drop_dir):
    drop_dir = Path(drop_dir)
    if not drop_dir.is_dir():
        return []
    return sorted(
        path
        for path in drop_dir.rglob("*")
        if path.is_file()
        and path.relative_to(drop_dir).parts[0] not in (DONE, QUARANTINE)
        and not path.name.startswith(".")
        and not path.name.lower().endswith(PENDING_SUFFIXES)
    )


def ingest_folder(*, drop_dir):
    """Ingest and file away every pending file of `drop_dir`; return the count of each outcome."""
    drop_dir = Path(drop_dir)
    counts = Counter()
    lookups = None
    for path in pending_files(drop_dir):
        lookups = lookups or wire.Lookups.load()
        results = wire.ingest_file(path, lookups=lookups)
        counts.update(str(r.outcome) for r in results)
        rejected = [r for r in results if r.outcome == wire.Outcome.REJECTED]
        for result in results:
            log = logger.warning if result in rejected else logger.info
            log("wire drop folder: %s", result)
        target = _move(path, drop_dir / (QUARANTINE if rejected else DONE))
        if rejected and target is not None:
            reasons = "\n".join(str(r) for r in rejected)
            target.with_name(target.name + ".txt").write_text(reasons + "\n", encoding="utf-8")
    return dict(counts)


def _move(path, folder):
    """Move `path` into `folder` without overwriting an earlier file of the same name."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():
        target = folder / f"{path.stem}.{timezone.now():%Y%m%dT%H%M%S%f}{path.suffix}"
    try:
        path.rename(target)
    except FileNotFoundError:
        # Another worker ingested and moved it first; the items are idempotent, nothing is lost.
        return None
    return target


@task
def make_renditions(image_id):
    """Make an image's renditions (after an upload or a new focal point); a no-op when they exist."""
    from articles.models.images import Image
    from articles.renditions import ensure_renditions

    image = Image.objects.filter(pk=image_id).first()
    if image is None:
        return False
    return ensure_renditions(image)
