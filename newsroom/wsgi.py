"""
WSGI config for newsroom project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/6.1/howto/deployment/wsgi/
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

application = get_wsgi_application()

# What start-up loaded (settings, apps, models, translations: ~100 000 objects) lives as long as
# the process; frozen, the collector stops walking it. A full collection of a warm worker took
# ~90 ms every ~200 requests, the slowest response of most benchmark runs (docs/benchmarks.md).
gc.collect()
gc.freeze()
