"""AFP wire ingest (NewsML-G2): parse → validate → apply, one transaction per item, split by flow:
`newsml` (read and validate, no writes), `apply` (the version and withdrawal rules), `ingest`
(files and bytes), `desk` (the editors' actions from the « Fil AFP »).

`ingest_paths()` is what the `ingest_newsml` command and the drop-folder task call. Each news item
ends as one `ItemResult`: created, updated, unchanged, withdrawn, skipped or rejected (with the
reason). Field mapping and the version / withdrawal rules: ../shared/newsml/FORMAT.md and docs/wire.md.
"""

from articles.wire.apply import ItemResult, Lookups, Outcome, apply_item
from articles.wire.desk import embargo_of, publish_dispatch, rewrite_dispatch
from articles.wire.ingest import ingest_bytes, ingest_file, ingest_paths, wire_files
from articles.wire.newsml import (
    CANCELED,
    HEADLINE_FROM_BODY_CHARS,
    MAX_DEPTH,
    MAX_VERSION,
    USABLE,
    WITHHELD,
    Malformed,
    WireItem,
    parse_item,
    parse_message,
)

__all__ = [
    "CANCELED",
    "HEADLINE_FROM_BODY_CHARS",
    "MAX_DEPTH",
    "MAX_VERSION",
    "USABLE",
    "WITHHELD",
    "ItemResult",
    "Lookups",
    "Malformed",
    "Outcome",
    "WireItem",
    "apply_item",
    "embargo_of",
    "ingest_bytes",
    "ingest_file",
    "ingest_paths",
    "parse_item",
    "parse_message",
    "publish_dispatch",
    "rewrite_dispatch",
    "wire_files",
]
