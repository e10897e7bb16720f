"""The default shared cache without Redis: Django's file cache with an atomic add().

Every process on the machine (gunicorn workers, db_worker, manage.py commands) reads and writes the
same folder, so a purge made anywhere reaches every page. Django's FileBasedCache.add() checks, then
writes: two processes can both "add" the same rebuild lock. Here the value is written to a temporary
file and hard-linked into place, which fails when the name exists: one winner.

Django's FileBasedCache also lists the whole folder on every set() to decide whether to cull: with
the thousands of entries a site holds (pages, their tokens and locks), that glob was 11–12 ms of each
page build. Here the folder is counted on one set() in CULL_EVERY per process; between counts it
can hold up to CULL_EVERY entries per process more than MAX_ENTRIES.
"""

import itertools
import os
import tempfile

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache

CULL_EVERY = 100


class FileCache(FileBasedCache):
    _sets = itertools.count()

    def _cull(self):
        if next(self._sets) % CULL_EVERY == 0:
            super()._cull()

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if self.has_key(key, version):  # removes the file when it has expired
            return False
        self._createdir()
        fd, tmp_path = tempfile.mkstemp(dir=self._dir)
        try:
            with open(fd, "wb") as file:
                self._write_content(file, timeout, value)
            os.link(tmp_path, self._key_to_file(key, version))
            return True
        except FileExistsError:
            return False
        finally:
            os.remove(tmp_path)
