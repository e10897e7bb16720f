import pytest
from django.test import override_settings

from tests.newsletter.sink import Sink


@pytest.fixture
def smtp_sink():
    """A real SMTP server for the test; Django's default mailer points at it."""
    sink = Sink()
    sink.start()
    with override_settings(MAILERS=sink.mailers()):
        yield sink
    sink.stop()


@pytest.fixture(autouse=True)
def _quiet_smtp_log():
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)
