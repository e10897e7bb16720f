"""JSON-LD (schema.org) for search engines: NewsArticle and BreadcrumbList on articles, WebSite and
NewsMediaOrganization on the home page, CollectionPage on sections, tags and authors.

Builders return plain dicts; `json_ld()` serialises one into a `<script type="application/ld+json">`
escaped as Django's json_script does, so no text (« </script> », « <!-- ») can leave the data block.
"""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles.links import absolute_url

LOGO = ("img/logo.png", 512, 512)
SHARE_IMAGE = ("img/partage.png", 1200, 630)
# Same escapes as django.utils.html.json_script: < > & never appear raw inside the script element.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld(data):
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    # Safe: the escapes above leave no markup in the JSON text.
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text.translate(_SCRIPT_ESCAPES)))  # noqa: S308


def iso(value):
    """ISO 8601 with the site's UTC offset: « 2023-10-19T14:05:00+02:00 »."""
    return timezone.localtime(value).isoformat() if value else None


def organization_id():
    return absolute_url("/#organisation")


def organization():
    path, width, height = LOGO
    return {
        "@type": "NewsMediaOrganization",
        "@id": organization_id(),
        "name": settings.SITE_NAME,
        "url": absolute_url("/"),
        "logo": {"@type": "ImageObject", "url": absolute_url(static(path)), "width": width, "height": height},
    }


def default_image_url():
    return absolute_url(static(SHARE_IMAGE[0]))


def website():
    search = absolute_url(reverse("articles:search")) + "?q={search_term_string}"
    return {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "WebSite",
                "@id": absolute_url("/#site"),
                "url": absolute_url("/"),
                "name": settings.SITE_NAME,
                "inLanguage": "fr",
                "publisher": {"@id": organization_id()},
                "potentialAction": {
                    "@type": "SearchAction",
                    "target": {"@type": "EntryPoint", "urlTemplate": search},
                    "query-input": "required name=search_term_string",
                },
            },
            organization(),
        ],
    }


def authors_of(article, authors):
    """The agency for a dispatch; each person of the byline (Article.byline_parts(): the authors with
    their pages, or the signature that replaces them) otherwise; the newsroom when nobody is credited.
    `authors` is the page's list, kept for the callers; the parts read the same prefetched rows."""
    parts = article.byline_parts()
    if parts.is_dispatch:
        return [{"@type": "Organization", "name": article.source.name}]
    if parts.people:
        return [
            {"@type": "Person", "name": person.name, **({"url": absolute_url(person.url)} if person.url else {})}
            for person in parts.people
        ]
    return [{"@type": "NewsMediaOrganization", "name": settings.SITE_NAME, "url": absolute_url("/")}]


def based_on(article):
    """The dispatch a rewrite comes from: its URL while readers can open it, else its wire identifier."""
    dispatch = article.based_on
    if dispatch is None:
        return None
    if dispatch.is_published:
        return absolute_url(dispatch)
    return dispatch.wire_guid or None


def image_objects(article):
    """The featured image's 16:9, 4:3 and 1:1 crops as ImageObjects with their credit (empty without)."""
    image = article.featured_image
    objects = []
    for crop in article.social_images():
        data = {"@type": "ImageObject", "url": crop["url"], "width": crop["width"], "height": crop["height"]}
        if image.credit:
            data["creditText"] = image.credit
        if image.caption:
            data["caption"] = image.caption
        objects.append(data)
    return objects


def news_article(article, *, authors, tags, corrections):
    url = absolute_url(article)
    images = image_objects(article) or [absolute_url(image) for image in article.share_images()]
    images = images or [default_image_url()]
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "@id": f"{url}#article",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": article.headline,
        "description": article.summary,
        "image": images,
        "datePublished": iso(article.publish_at),
        "dateModified": iso(article.last_changed),
        "author": authors_of(article, authors),
        "publisher": organization(),
        "articleSection": article.section.name,
        "keywords": [tag.name for tag in tags],
        "inLanguage": article.language or "fr",
        "isAccessibleForFree": True,
    }
    if article.dateline:
        data["dateline"] = article.dateline
    source = based_on(article)
    if source:
        data["isBasedOn"] = source
    if corrections:
        data["correction"] = [
            {"@type": "CorrectionComment", "text": correction.right, "datePublished": iso(correction.created_at)}
            for correction in corrections
        ]
    return data


def breadcrumbs(*trail):
    """`trail`: (name, path or object) pairs after the home page."""
    items = [(settings.SITE_NAME, "/"), *trail]
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": str(name), "item": absolute_url(location)}
            for n, (name, location) in enumerate(items, start=1)
        ],
    }


def collection_page(*, name, path, description, articles):
    url = absolute_url(path)
    return {
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "@id": url,
        "url": url,
        "name": str(name),
        "description": str(description),
        "inLanguage": "fr",
        "isPartOf": {"@type": "WebSite", "@id": absolute_url("/#site"), "url": absolute_url("/")},
        "publisher": {"@id": organization_id(), "@type": "NewsMediaOrganization", "name": settings.SITE_NAME},
        "mainEntity": {
            "@type": "ItemList",
            "itemListElement": [
                {"@type": "ListItem", "position": n, "url": absolute_url(article)}
                for n, article in enumerate(articles, start=1)
            ],
        },
    }
