"""The default shared cache without Redis: Django's file cache with an atomic add().

Every process on the machine (gunicorn workers, db_worker, manage.py commands) reads and writes the
same folder, so a purge made anywhere reaches every page. Django's FileBasedCache.add() checks, then
writes: two processes can both "add" the same rebuild lock. Here the value is written to a temporary
file and hard-linked into place, which fails when the name exists: one winner.
"""

import os
import tempfile

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache


class FileCache(FileBasedCache):
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
