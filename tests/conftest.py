import os

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, settings

# Hypothesis profiles (docs/reliability.md): a fast one for `make test` and CI, and the long run behind
# NEWSROOM_LONG=1 (10 000 generated inputs per property, no per-example deadline on a loaded machine).
LONG = os.environ.get("NEWSROOM_LONG", "") not in ("", "0")
settings.register_profile(
    "fast",
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)
settings.register_profile(
    "long",
    max_examples=10_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "long" if LONG else "fast"))

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Flags for a headless Chromium on a machine with no outside network (see docs/testing.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    """Tests marked `long` (load, outages, fuzzing at scale) run only with NEWSROOM_LONG=1."""
    if LONG:
        return
    skip = pytest.mark.skip(reason="long run: set NEWSROOM_LONG=1 (make reliability)")
    for item in items:
        if "long" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def browser(monkeypatch):
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by tests
    # around it are still synchronous and safe. Scoped to the test, so subprocesses of later
    # tests do not inherit it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
