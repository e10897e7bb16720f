import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from newsletter import editions
from newsletter.models import Edition
from tests.factories import make_article
from tests.newsletter.helpers import daily, make_subscriber

pytestmark = pytest.mark.django_db


def test_send_edition_shows_progress_and_sends_once(smtp_sink):
    make_article()
    for i in range(5):
        make_subscriber(f"r{i}@example.org")
    edition = editions.assemble_edition(newsletter=daily())
    out = io.StringIO()
    call_command("send_edition", edition.pk, "--batch-size", "2", stdout=out)
    assert "[########################################] 5/5 (100%)" in out.getvalue()
    assert "5 envoyés, 0 en échec" in out.getvalue()
    call_command("send_edition", edition.pk, stdout=io.StringIO())
    assert len(smtp_sink.messages) == 5
    assert Edition.objects.get().status == Edition.Status.SENT


def test_assemble_editions_builds_due_automatic_editions(smtp_sink):
    newsletter = daily()
    newsletter.auto_send = True
    newsletter.save()
    make_subscriber()
    with time_machine.travel(dt.datetime(2026, 3, 4, 6, 30, tzinfo=dt.UTC)):
        make_article(publish_at=timezone.now() - dt.timedelta(hours=1))
        out = io.StringIO()
        call_command("assemble_editions", stdout=out)
        assert "assemblée :" in out.getvalue()
        call_command("assemble_editions", stdout=io.StringIO())
    assert Edition.objects.count() == 1 and len(smtp_sink.messages) == 1
