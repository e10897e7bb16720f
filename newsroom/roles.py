"""The newsroom's roles as Django groups, built from the permissions of both apps (articles,
newsletter, auth). The matrix is in docs/workflow.md.

Project level because the roles span the apps: `articles` keeps only the group names it reasons
about (articles/roles.py); this module grants newsletter permissions too. `ensure_roles()` is called
by the roles migration (newsroom/migrations/0001_roles.py) and by `manage.py setup_roles`.
"""

from articles.roles import CHIEF_EDITOR, EDITOR, JOURNALIST, ROLE_LABELS

__all__ = ["CHIEF_EDITOR", "EDITOR", "JOURNALIST", "ROLES", "ROLE_LABELS", "ensure_roles"]

# "app_label.codename". Which of their own articles a journalist may change is decided by
# Article.can_edit(), on top of these permissions.
JOURNALIST_PERMISSIONS = {
    "articles.view_article",
    "articles.add_article",
    "articles.change_article",
    "articles.submit_article",
    "articles.view_section",
    "articles.view_source",
    "articles.view_author",
    "articles.view_transition",
    "articles.view_correction",
    "articles.view_assignment",
    "articles.view_image",
    "articles.add_image",
    "articles.change_image",
    "taggit.view_tag",
    # Live coverage: journalists post entries on a direct an editor opened (articles/live.py).
    "articles.view_liveblog",
    "articles.view_liveentry",
    "articles.add_liveentry",
}
EDITOR_PERMISSIONS = JOURNALIST_PERMISSIONS | {
    "articles.change_any_article",
    "articles.publish_article",
    "articles.unpublish_article",
    "articles.correct_article",
    "articles.view_wiredispatch",
    "articles.change_wiredispatch",
    "articles.add_author",
    "articles.change_author",
    "articles.view_subjectmapping",
    "articles.view_wirewithdrawal",
    "articles.add_liveblog",
    "articles.change_liveblog",
    "articles.change_liveentry",
    "articles.delete_liveentry",
    # The desk: editors plan and assign topics (« budget du jour »).
    "articles.add_assignment",
    "articles.change_assignment",
    "articles.delete_assignment",
    "articles.delete_image",
    # Search: editors keep the place- and person-name variants (docs/search.md).
    "articles.view_searchvariant",
    "articles.add_searchvariant",
    "articles.change_searchvariant",
    "articles.delete_searchvariant",
    # Editors review, preview, test and send digests; managing the list stays with the chief editors.
    "newsletter.view_newsletter",
    "newsletter.view_edition",
    "newsletter.change_edition",
    "newsletter.add_edition",
    "newsletter.send_edition",
    "newsletter.view_editionarticle",
    "newsletter.add_editionarticle",
    "newsletter.change_editionarticle",
    "newsletter.delete_editionarticle",
}
CHIEF_EDITOR_PERMISSIONS = EDITOR_PERMISSIONS | {
    "articles.delete_article",
    "articles.add_section",
    "articles.change_section",
    "articles.delete_section",
    "articles.add_source",
    "articles.change_source",
    "articles.delete_source",
    "articles.delete_author",
    "articles.change_correction",
    "articles.add_subjectmapping",
    "articles.change_subjectmapping",
    "articles.delete_subjectmapping",
    "taggit.add_tag",
    "taggit.change_tag",
    "taggit.delete_tag",
    "auth.view_user",
    "auth.add_user",
    "auth.change_user",
    "auth.view_group",
}
# Every permission of these apps goes to the chief editors, whatever models they hold today.
CHIEF_EDITOR_APPS = {"newsletter"}

ROLES = {
    JOURNALIST: JOURNALIST_PERMISSIONS,
    EDITOR: EDITOR_PERMISSIONS,
    CHIEF_EDITOR: CHIEF_EDITOR_PERMISSIONS,
}


def ensure_roles(*, group_model=None, permission_model=None, reset=True):
    """Create or reset the three groups. Permissions that do not exist (yet) are skipped.

    `reset=False` (the roles migration on a database that has the groups) only adds what is missing,
    so what an administrator granted by hand stays. Returns {group name: number of permissions}.
    """
    if group_model is None:
        from django.contrib.auth.models import Group as group_model
        from django.contrib.auth.models import Permission as permission_model

    granted = {}
    for name, perms in _wanted(permission_model).items():
        group, created = group_model.objects.get_or_create(name=name)
        if reset or created:
            group.permissions.set(perms)
        else:
            group.permissions.add(*perms)
        granted[name] = group.permissions.count()
    return granted


def _wanted(permission_model):
    """{group name: queryset of the permissions it should hold}, for the permissions that exist."""
    wanted = {}
    for name, labels in ROLES.items():
        perms = permission_model.objects.none()
        for app_label in {label.split(".")[0] for label in labels}:
            codenames = [label.split(".")[1] for label in labels if label.startswith(f"{app_label}.")]
            perms |= permission_model.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        if name == CHIEF_EDITOR:
            perms |= permission_model.objects.filter(content_type__app_label__in=CHIEF_EDITOR_APPS)
        wanted[name] = perms.distinct()
    return wanted


def grant_missing_role_permissions(sender, *, apps=None, using="default", **kwargs):
    """post_migrate receiver: add to existing role groups the permissions created since the roles migration."""
    if apps is None:  # flush (e.g. after a transactional test) sends post_migrate without `apps`
        from django.apps import apps
    try:
        group_model = apps.get_model("auth", "Group")
        permission_model = apps.get_model("auth", "Permission")
    except LookupError:
        return
    for name, permissions in _wanted(permission_model).items():
        group = group_model.objects.using(using).filter(name=name).first()
        if group is not None:
            group.permissions.add(*permissions.using(using).exclude(group=group))
