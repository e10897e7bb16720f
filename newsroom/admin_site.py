"""The newsroom's admin site: French titles for every model, and the desk as its home page."""

from dataclasses import replace

from django.contrib import admin
from django.utils.translation import gettext as _django
from django.utils.translation import gettext_lazy as _

from newsroom import french


class FrenchTitlesMixin:
    """Titles, the add button and the delete action of a ModelAdmin, with French articles and agreement."""

    # Django's generic titles are replaced; a title an admin sets itself (« Mes articles ») is kept.

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        generic = {_django("Add %s"), _django("Change %s"), _django("View %s")}
        if {template % self.opts.verbose_name for template in generic} & {context.get("title")}:
            if add:
                context["title"] = french.add_title(self.opts)
            elif self.has_change_permission(request, obj):
                context["title"] = french.change_title(self.opts)
            else:
                context["title"] = french.view_title(self.opts)
        context.setdefault("add_label", french.add_label(self.opts))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if not changelist.is_popup:
            changelist.title = french.list_title(self.opts)
        return changelist

    def changelist_view(self, request, extra_context=None):
        context = {"add_label": french.add_label(self.opts), **(extra_context or {})}
        return super().changelist_view(request, context)

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        if "delete_selected" in actions:
            label = french.delete_selected_label(self.opts)
            action = actions["delete_selected"]
            actions["delete_selected"] = replace(action, description=label, plural_description=label)
        return actions


class NewsroomAdminSite(admin.AdminSite):
    site_title = _("Newsroom")
    site_header = _("Newsroom — la rédaction")
    index_title = _("Le desk")
    index_template = "admin/desk/index.html"
    # The desk and the breadcrumbs lead everywhere; without the sidebar the lists fit 1280 px.
    enable_nav_sidebar = False

    def get_urls(self):
        from articles.admin.desk import desk_urls

        return [*desk_urls(self), *super().get_urls()]

    def each_context(self, request):
        context = super().each_context(request)
        if getattr(request, "user", None) is not None and request.user.is_active and request.user.is_staff:
            from articles.models import Notification

            context["unread_notifications"] = Notification.objects.filter(recipient=request.user).unread().count()
        return context

    def index(self, request, extra_context=None):
        """The desk: what needs doing today for the signed-in person's role (newsroom/desk.py)."""
        from newsroom.desk import desk_context

        return super().index(request, {**desk_context(request.user), **(extra_context or {})})

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every ModelAdmin, third-party ones included (users, mots-clés, tâches), gets the French titles.
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, FrenchTitlesMixin):
            admin_class = type(admin_class.__name__, (FrenchTitlesMixin, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)
