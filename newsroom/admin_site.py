"""The newsroom's admin site: French titles for every model, and the desk as its home page."""

from dataclasses import replace

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from newsroom import french


class FrenchTitlesMixin:
    """Titles, the add button and the delete action of a ModelAdmin, with French articles and agreement."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is None:
            title = french.add_title(self.opts)
        elif self.has_change_permission(request):
            title = french.change_title(self.opts)
        else:
            title = french.view_title(self.opts)
        context = {"title": title, "add_label": french.add_label(self.opts), **(extra_context or {})}
        return super().changeform_view(request, object_id, form_url, context)

    def changelist_view(self, request, extra_context=None):
        context = {
            "title": french.list_title(self.opts),
            "add_label": french.add_label(self.opts),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        if "delete_selected" in actions:
            label = french.delete_selected_label(self.opts)
            action = actions["delete_selected"]
            actions["delete_selected"] = replace(action, description=label, plural_description=label)
        return actions


class SafeSearchMixin:
    """Search boxes and autocompletes: PostgreSQL refuses a NUL in a string literal (a 500 otherwise),
    and no stored text holds one, so it is dropped from the search term."""

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))


class NewsroomAdminSite(admin.AdminSite):
    site_title = _("Newsroom")
    site_header = _("Newsroom — rédaction")
    index_title = _("Le desk")

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every ModelAdmin, third-party ones included (users, mots-clés, tâches), gets the French titles
        # and a NUL-safe search.
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, FrenchTitlesMixin):
            admin_class = type(admin_class.__name__, (FrenchTitlesMixin, admin_class), {})
        if not issubclass(admin_class, SafeSearchMixin):
            admin_class = type(admin_class.__name__, (SafeSearchMixin, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)
