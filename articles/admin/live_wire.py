"""« Ajouter au direct », the « Fil AFP » action: selected dispatches become entries of a running direct.

The NewsML samples carry no « live update » signal, so an editor picks the dispatches; each one
enters the direct once, with the agency's credit (articles/live.py `add_dispatch`).
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from articles import live
from articles.models import LiveBlog


@admin.action(description=_("Ajouter au direct"))
def add_to_live(modeladmin, request, queryset):
    running = LiveBlog.objects.filter(state=LiveBlog.State.LIVE).select_related("article")
    chosen = running.filter(pk=request.POST.get("live") or None).first() if "apply" in request.POST else None
    if chosen is None:
        if "apply" in request.POST:
            messages.error(request, _("Choisissez un direct en cours."))
        if not running.exists():
            messages.warning(request, _("Aucun direct en cours : un éditeur doit d’abord en ouvrir un."))
            return None
        return TemplateResponse(
            request,
            "admin/articles/wiredispatch/add_to_live.html",
            {
                **modeladmin.admin_site.each_context(request),
                "opts": modeladmin.model._meta,
                "title": _("Ajouter au direct"),
                "dispatches": queryset,
                "running": running,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
    added, refused = 0, []
    for dispatch in queryset.select_related("source"):
        try:
            live.add_dispatch(live=chosen, user=request.user, dispatch=dispatch)
        except (PermissionDenied, ValidationError) as exc:
            refused.append(f"{dispatch.headline} : {' '.join(getattr(exc, 'messages', [str(exc)]))}")
        else:
            added += 1
    if added:
        messages.success(
            request, _("%(count)d dépêche(s) ajoutée(s) au direct « %(live)s ».") % {"count": added, "live": chosen}
        )
    for text in refused:
        messages.warning(request, text)
    return None
