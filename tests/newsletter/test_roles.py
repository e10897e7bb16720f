import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


def perms(group):
    return {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=group).permissions.all()}


def test_editors_send_editions_and_only_chief_editors_manage_the_list():
    assert {"newsletter.send_edition", "newsletter.change_edition"} <= perms("Éditeur")
    assert "newsletter.change_subscriber" not in perms("Éditeur")
    assert {"newsletter.send_edition", "newsletter.change_subscriber"} <= perms("Rédaction en chef")
    assert not {p for p in perms("Journaliste") if p.startswith("newsletter.")}
