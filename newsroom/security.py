"""Security headers Django does not set by itself (docs/security.md).

`SecurityHeadersMiddleware` sits after Django's ContentSecurityPolicyMiddleware in MIDDLEWARE (so it
sees the response first): it gives the admin its own policy (`ADMIN_CSP`: CKEditor 5 sets inline
styles) and adds the Permissions-Policy header to every response.
"""

from django.conf import settings


def permissions_policy(features):
    """`{"camera": [], "fullscreen": ["self"]}` → `camera=(), fullscreen=(self)`."""
    return ", ".join(f"{name}=({' '.join(allowed)})" for name, allowed in features.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = permissions_policy(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and "admin" in match.namespaces and not hasattr(response, "_csp_config"):
            response._csp_config = settings.ADMIN_CSP
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        return response


def client_ip(request):
    """The address login throttling counts against (REMOTE_ADDR, set from the client's by the proxy)."""
    return request.META.get("REMOTE_ADDR", "")


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer while an account or address is locked out: the admin's look, in French, 429."""
    from django.contrib import admin
    from django.shortcuts import render

    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    context = {**admin.site.each_context(request), "cooloff_minutes": minutes}
    return render(request, "admin/lockout.html", context, status=429)
