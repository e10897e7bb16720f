import json
import logging
from functools import wraps

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from articles.cache import public_page
from articles.cache_safety import cache_call
from newsletter import rendering
from newsletter.confirmation import send_confirmation_task
from newsletter.forms import CONSENT_TEXTS, CURRENT_CONSENT, PreferencesForm, SubscribeForm
from newsletter.models import Edition, Subscriber

logger = logging.getLogger(__name__)


def client_ip(request):
    # REMOTE_ADDR is the proxy's address behind a load balancer; the proxy must set it from the
    # client's (gunicorn --forwarded-allow-ips, or a middleware you trust). See docs/newsletter.md.
    return request.META.get("REMOTE_ADDR", "")


def rate_limited(request):
    """True once this IP has made NEWSLETTER_SIGNUP_LIMIT sign-ups in the current window.

    Without the cache (Redis down) there is no count: the sign-up goes through (double opt-in still
    stands between a bot and the list) and the log says the limit was not applied.
    """
    key = f"newsletter:signup:{client_ip(request)}"
    window = settings.NEWSLETTER_SIGNUP_WINDOW
    count = None
    if cache_call("add", key, 0, timeout=window) is not None:
        try:
            count = cache_call("incr", key)
        except ValueError:  # expired between add and incr
            cache_call("set", key, 1, timeout=window)
            count = 1
    if count is None:
        logger.warning("Newsletter sign-up rate limit not applied: the cache is unreachable")
        return False
    return count > settings.NEWSLETTER_SIGNUP_LIMIT


# The sign-up box is part of every cached public page, so it cannot carry a per-visitor CSRF token.
# The endpoint is CSRF-exempt; a forged cross-site sign-up achieves nothing but a confirmation email,
# which only the mailbox owner can act on (double opt-in), and the honeypot and per-IP limit stop bulk use.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def subscribe(request):
    if request.method == "GET":
        return render(request, "newsletter/subscribe.html", subscribe_context(SubscribeForm()))
    form = SubscribeForm(request.POST)
    if form.is_bot:
        return redirect("newsletter:subscribe_done")
    if rate_limited(request):
        return render(
            request,
            "newsletter/message.html",
            {
                "title": _("Trop de tentatives"),
                "message": _("Trop d’inscriptions depuis votre connexion. Réessayez dans une heure."),
            },
            status=429,
        )
    if not form.is_valid():
        return render(request, "newsletter/subscribe.html", subscribe_context(form), status=400)
    subscriber = Subscriber.objects.sign_up(
        email=form.cleaned_data["email"],
        frequency=form.cleaned_data["frequency"],
        sections=form.cleaned_data["sections"],
        consent_version=form.consent_version,
    )
    if subscriber is not None:
        send_confirmation_task.enqueue(subscriber.pk)
    return redirect("newsletter:subscribe_done")


def subscribe_context(form):
    return {"form": form, "consent_text": CONSENT_TEXTS[CURRENT_CONSENT["page"]]}


@public_page
def subscribe_done(request):
    return render(
        request,
        "newsletter/message.html",
        {
            "title": _("Vérifiez votre boîte de réception"),
            "message": _(
                "Si cette adresse n’est pas déjà abonnée, un courriel vient de vous être envoyé. "
                "Cliquez sur le lien qu’il contient pour confirmer votre inscription."
            ),
        },
    )


def invalid_link(request, problem):
    messages = {
        "invalid": _("Ce lien n’est pas valide. Vérifiez qu’il a été copié en entier."),
        "expired": _("Ce lien a expiré. Inscrivez-vous de nouveau pour recevoir un nouveau lien."),
        "used": _("Ce lien a déjà servi. Inscrivez-vous de nouveau si nécessaire."),
    }
    return render(
        request,
        "newsletter/message.html",
        {"title": _("Lien invalide"), "message": messages[problem], "show_signup": True},
        status=400,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    subscriber, problem = Subscriber.read_confirmation_token(token)
    if problem == "used" and subscriber.status == Subscriber.Status.ACTIVE:
        return render(
            request,
            "newsletter/message.html",
            {"title": _("Inscription confirmée"), "message": _("Votre inscription est déjà confirmée.")},
        )
    if problem:
        return invalid_link(request, problem)
    if request.method == "GET":
        # A button, not an automatic confirmation: mail scanners open links, only a person presses it.
        return render(request, "newsletter/confirm.html", {"subscriber": subscriber})
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.confirm_nonce:
            subscriber.confirm()
    return render(
        request,
        "newsletter/message.html",
        {
            "title": _("Inscription confirmée"),
            "message": _("Merci ! Vous recevrez désormais la newsletter à l’adresse %(email)s.")
            % {"email": subscriber.email},
            "preferences_url": subscriber_preferences_url(subscriber),
        },
    )


def subscriber_link(view):
    """Resolve the signed link token into its subscriber, or answer the French invalid-link page."""

    @wraps(view)
    def wrapped(request, token):
        subscriber = Subscriber.from_link_token(token)
        if subscriber is None:
            return invalid_link(request, "invalid")
        return view(request, token, subscriber)

    return wrapped


def subscriber_preferences_url(subscriber):
    return reverse("newsletter:preferences", args=[subscriber.link_token()])


# RFC 8058: mailbox providers POST "List-Unsubscribe=One-Click" here with no cookie and no CSRF token,
# and expect the address to be out on that request, with no further page to go through.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
@subscriber_link
def unsubscribe(request, token, subscriber):
    if request.method == "GET":
        return render(request, "newsletter/unsubscribe.html", {"subscriber": subscriber})
    subscriber.unsubscribe(reason=_("Lien de désinscription"))
    return render(
        request,
        "newsletter/message.html",
        {
            "title": _("Vous êtes désinscrit"),
            "message": _("L’adresse %(email)s ne recevra plus la newsletter.") % {"email": subscriber.email},
            "show_signup": True,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@subscriber_link
def preferences(request, token, subscriber):
    saved = False
    if request.method == "POST":
        form = PreferencesForm(request.POST, instance=subscriber)
        if form.is_valid():
            form.save()
            saved = True
    else:
        form = PreferencesForm(instance=subscriber)
    return render(
        request,
        "newsletter/preferences.html",
        {"form": form, "subscriber": subscriber, "token": token, "saved": saved},
        status=400 if form.errors else 200,
    )


@never_cache
@subscriber_link
def export(request, token, subscriber):
    response = HttpResponse(
        json.dumps(subscriber.export_data(), ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="newsletter-mes-donnees.json"'
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@subscriber_link
def erase(request, token, subscriber):
    if request.method == "GET":
        return render(request, "newsletter/erase.html", {"subscriber": subscriber, "token": token})
    subscriber.delete()
    return render(
        request,
        "newsletter/message.html",
        {
            "title": _("Données effacées"),
            "message": _("Votre adresse et tout ce qui s’y rapporte ont été effacés."),
            "show_signup": True,
        },
    )


@public_page
def edition(request, pk):
    """The web version of a sent edition (every section), read through the published articles."""
    edition = Edition.objects.filter(pk=pk, status__in=[Edition.Status.SENDING, Edition.Status.SENT]).first()
    if edition is None:
        raise Http404
    html = rendering.preview_html(edition=edition, web=True)
    response = HttpResponse(html or "", content_type="text/html; charset=utf-8")
    # An email's HTML: styled inline by design (css-inline), and never any script (settings.EMAIL_PAGE_CSP).
    response._csp_config = settings.EMAIL_PAGE_CSP
    return response
