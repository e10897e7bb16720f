"""Subscribers as CSV: the export (streamed, spreadsheet-safe) and the import (all rows valid, or none)."""

import csv
import io

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from articles.models import Section
from newsletter.forms import NewsletterEmailField, normalise_email
from newsletter.models import Frequency, Subscriber

CSV_COLUMNS = ["email", "status", "frequency", "sections", "paused", "consent_at", "consent_version", "confirmed_at"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A cell a spreadsheet would run as a formula (OWASP « CSV injection ») gets a leading apostrophe."""
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def spreadsheet_unsafe(value):
    """The reverse, on import: a cell exported by spreadsheet_safe() comes back as it was."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES) else value


class Echo:
    def write(self, value):
        return value


def subscriber_rows(queryset):
    yield CSV_COLUMNS
    for subscriber in queryset.prefetch_related("sections").iterator(chunk_size=2000):
        yield [spreadsheet_safe(cell) for cell in subscriber_row(subscriber)]


def subscriber_row(subscriber):
    return [
        subscriber.email,
        subscriber.status,
        subscriber.frequency,
        "|".join(section.slug for section in subscriber.sections.all()),
        "1" if subscriber.paused else "0",
        subscriber.consent_at.isoformat() if subscriber.consent_at else "",
        subscriber.consent_version,
        subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else "",
    ]


def csv_response(queryset, filename):
    writer = csv.writer(Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in subscriber_rows(queryset)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def import_subscribers(file, *, consent_version, now=None):
    """Validate every row first; import only if all are valid. Returns (created, rejects)."""
    now = now or timezone.now()
    sections = {section.slug: section for section in Section.objects.all()}
    try:
        text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
        rows = list(csv.DictReader(text))
    except (UnicodeDecodeError, csv.Error) as error:
        return 0, [(0, "", _("Fichier illisible : %(error)s") % {"error": error})]
    field = NewsletterEmailField(max_length=254)
    seen, valid, rejects = set(), [], []
    for line, row in enumerate(rows, start=2):
        row = {key: spreadsheet_unsafe(value or "") for key, value in row.items() if isinstance(key, str)}
        raw = (row.get("email") or "").strip()
        try:
            email = normalise_email(field.clean(raw))
        except ValidationError as error:
            rejects.append((line, raw[:254], " ".join(error.messages)))
            continue
        if email.lower() in seen:
            rejects.append((line, email, _("Adresse en double dans le fichier.")))
            continue
        seen.add(email.lower())
        frequency = (row.get("frequency") or Frequency.DAILY).strip()
        if frequency not in Frequency.values:
            rejects.append(
                (line, email, _("Fréquence inconnue « %(value)s » (daily ou weekly).") % {"value": frequency[:20]})
            )
            continue
        slugs = [slug.strip() for slug in (row.get("sections") or "").split("|") if slug.strip()]
        unknown = [slug for slug in slugs if slug not in sections]
        if unknown:
            rejects.append((line, email, _("Rubrique inconnue : %(slugs)s.") % {"slugs": ", ".join(unknown)[:200]}))
            continue
        consent_raw = (row.get("consent_at") or "").strip()
        consent_at = parse_datetime(consent_raw) if consent_raw else now
        if consent_at is None:
            rejects.append(
                (line, email, _("Date de consentement illisible « %(value)s ».") % {"value": consent_raw[:40]})
            )
            continue
        if timezone.is_naive(consent_at):
            consent_at = timezone.make_aware(consent_at)
        valid.append((line, email, frequency, [sections[slug] for slug in slugs], consent_at))
    existing = set(
        Subscriber.objects.annotate(lower=Lower("email"))
        .filter(lower__in=[email.lower() for _line, email, *_rest in valid])
        .values_list("lower", flat=True)
    )
    created = 0
    with transaction.atomic():
        for line, email, frequency, followed, consent_at in valid:
            if email.lower() in existing:
                rejects.append((line, email, _("Adresse déjà présente : non modifiée.")))
                continue
            subscriber = Subscriber.objects.create(
                email=email,
                status=Subscriber.Status.ACTIVE,
                frequency=frequency,
                consent_at=consent_at,
                consent_version=consent_version,
                confirmed_at=consent_at,
            )
            if followed:
                subscriber.sections.set(followed)
            created += 1
    return created, sorted(rejects)
