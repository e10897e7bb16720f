"""The roles span both apps: built at project level (newsroom/roles.py) with articles and newsletter permissions."""

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from newsroom.roles import CHIEF_EDITOR, EDITOR, JOURNALIST, ensure_roles

pytestmark = pytest.mark.django_db


def perms(name):
    return {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=name).permissions.all()}


def test_migrate_builds_the_groups_with_both_apps_permissions():
    assert "articles.publish_article" in perms(EDITOR) and "newsletter.send_edition" in perms(EDITOR)
    assert "newsletter.send_edition" not in perms(JOURNALIST)
    assert {"newsletter.delete_subscriber", "auth.change_user"} <= perms(CHIEF_EDITOR)


def test_setup_roles_resets_and_the_migration_path_only_adds():
    extra = Permission.objects.get(content_type__app_label="articles", codename="delete_section")
    Group.objects.get(name=JOURNALIST).permissions.add(extra)
    ensure_roles(group_model=Group, permission_model=Permission, reset=False)
    assert "articles.delete_section" in perms(JOURNALIST)
    call_command("setup_roles", stdout=io.StringIO())
    assert "articles.delete_section" not in perms(JOURNALIST)
