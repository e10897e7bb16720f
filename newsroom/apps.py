from django.apps import AppConfig
from django.apps import apps as global_apps
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils import dateformat, translation
from django.utils.translation import gettext_lazy as _
from django_tasks_db import apps as tasks_apps

_english_ordinal = dateformat.DateFormat.S


def _ordinal_suffix(self):
    """The "S" date format in French: « 1er », then no suffix (« 2 », « 31 »); English elsewhere."""
    if (translation.get_language() or "").startswith("fr"):
        return "er" if self.data.day == 1 else ""
    return _english_ordinal(self)


class NewsroomConfig(AppConfig):
    """Project-level pieces that span both apps: the roles, the admin's French, date formats, the desk."""

    name = "newsroom"
    verbose_name = _("Rédaction")

    def ready(self):
        dateformat.DateFormat.S = _ordinal_suffix
        # Connected after django.contrib.auth's create_permissions, so it runs after it for each app.
        post_migrate.connect(french_permission_names, dispatch_uid="newsroom_french_permission_names")
        from newsroom.roles import grant_missing_role_permissions

        # The roles migration cannot see permissions created after it; once every app's permissions
        # exist, top the groups up. Additive: it never removes what an admin granted.
        post_migrate.connect(grant_missing_role_permissions, dispatch_uid="newsroom-roles")


def french_permission_names(sender, *, using="default", apps=global_apps, **kwargs):
    """Django stores default permission names in English (« Can add article »); the admin shows them."""
    from newsroom.french import permission_name

    try:
        Permission = apps.get_model("auth", "Permission")
    except LookupError:
        return
    permissions = Permission.objects.using(using).filter(content_type__app_label=sender.label)
    with translation.override("fr"):
        for permission in permissions.select_related("content_type"):
            action, _sep, _model = permission.codename.partition("_")
            model = global_apps.all_models.get(permission.content_type.app_label, {}).get(permission.content_type.model)
            if action not in ("add", "change", "delete", "view") or model is None:
                continue
            name = permission_name(action, model._meta)
            if permission.name != name:
                Permission.objects.using(using).filter(pk=permission.pk).update(name=name)


class NewsroomAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "newsroom.admin_site.NewsroomAdminSite"


class TasksConfig(tasks_apps.TasksAppConfig):
    default = False
    verbose_name = _("Tâches de fond")
