import pytest

PUBLIC_SITE = "https://www.example.org"


@pytest.fixture
def public_site(settings):
    """SITE_URL is the public address; requests arrive under another host, as behind a reverse proxy."""
    settings.SITE_URL = PUBLIC_SITE
    settings.ALLOWED_HOSTS = ["backend.internal", "testserver"]
    return PUBLIC_SITE
