from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from newsroom.health import health
from newsroom.media import serve_media

urlpatterns = [
    path("healthz", health, name="health"),
    path("admin/", admin.site.urls),
    path("newsletter/", include("newsletter.urls")),
]
if settings.SERVE_MEDIA:
    # Uploads, with DEBUG on or off, unless the web server serves them (docs/operations.md, « Media »).
    urlpatterns.append(re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.+)$", serve_media, name="media"))
urlpatterns.append(path("", include("articles.urls")))

handler404 = "articles.views.page_not_found"
handler500 = "articles.views.server_error"
