"""The default file cache: set() does not list the folder each time, and culling still bounds it."""

from articles import filecache
from articles.filecache import FileCache


def cache_in(directory, **options):
    return FileCache(str(directory), {"OPTIONS": options})


def test_set_counts_the_folder_once_per_hundred_writes_not_on_each(tmp_path, monkeypatch):
    """Django's file cache globbed the whole folder on every set(): 11–12 ms per page build once it
    held the site's pages (found by the search benchmark, #12)."""
    cache = cache_in(tmp_path)
    listings = []
    original = FileCache._list_cache_files
    monkeypatch.setattr(FileCache, "_list_cache_files", lambda self: listings.append(1) or original(self))
    for n in range(250):
        cache.set(f"page-{n}", "x" * 100)
    assert len(listings) <= 3
    assert cache.get("page-249") == "x" * 100


def test_culling_still_bounds_the_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(filecache, "CULL_EVERY", 10)
    cache = cache_in(tmp_path, MAX_ENTRIES=50, CULL_FREQUENCY=2)
    for n in range(500):
        cache.set(f"page-{n}", n)
    assert len(cache._list_cache_files()) <= 50 + 10
