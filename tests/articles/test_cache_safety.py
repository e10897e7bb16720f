"""cache_call: an unreachable cache answers the caller's fallback and is then left alone; bugs still raise."""

import logging

import pytest
from django.core.cache import caches

from articles import cache_safety
from articles.cache_safety import cache_call
from tests.articles.servers import free_port


@pytest.fixture
def unreachable_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        }
    }
    cache_safety._down_until = 0.0
    yield caches["default"]
    cache_safety._down_until = 0.0


def test_unreachable_cache_answers_the_fallback_and_is_left_alone_for_a_while(unreachable_cache, caplog, monkeypatch):
    with caplog.at_level(logging.WARNING, logger="articles.cache_safety"):
        assert cache_call("get", "clé", fallback="repli") == "repli"
    assert "unreachable (ConnectionError" in caplog.text

    def must_not_be_called(*args, **kwargs):
        pytest.fail("the cache was asked again during the back-off")

    monkeypatch.setattr(unreachable_cache, "add", must_not_be_called)
    assert cache_call("add", "clé", 1, fallback=True) is True
    cache_safety._down_until = 0.0  # the back-off is over: the cache is asked again
    with pytest.raises(pytest.fail.Exception):
        cache_call("add", "clé", 1)


def test_a_reachable_cache_answers_and_its_errors_are_not_outages():
    assert cache_call("add", "compteur", 0, fallback="repli") is True
    assert cache_call("incr", "compteur") == 1
    assert cache_call("get", "absent", "défaut du cache", fallback="repli") == "défaut du cache"
    with pytest.raises(ValueError, match="not found"):
        cache_call("incr", "absent")  # a missing key is the caller's business, not an outage
