"""User accounts in the admin: whoever may change users (« Rédaction en chef ») grants no more than they hold.

Django's own UserAdmin lets anyone with `auth.change_user` tick « superutilisateur », hand out any
permission or group, and change a superuser's password. Here, for a non-superuser: no superuser
box, no individual permissions, only groups whose permissions they hold themselves, and superuser
accounts are out of reach (view only).
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

User = get_user_model()
RESERVED_FIELDS = {"is_superuser", "user_permissions"}


def grantable_groups(user):
    """The groups `user` may hand out: those with no permission `user` lacks."""
    if user.is_superuser:
        return Group.objects.all()
    lacking = Permission.objects.exclude(
        pk__in=Permission.objects.filter(Q(group__user=user) | Q(user=user)).values("pk")
    )
    return Group.objects.exclude(permissions__in=lacking).distinct()


class NewsroomUserAdmin(UserAdmin):
    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f not in RESERVED_FIELDS]})
            for name, opts in fieldsets
        ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "groups" in form.base_fields and not request.user.is_superuser:
            form.base_fields["groups"].queryset = grantable_groups(request.user)
        return form

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


admin.site.unregister(User)
admin.site.register(User, NewsroomUserAdmin)
