"""The admin reads as if written in French: articles and agreement, one name for mots-clés, « 1er »."""

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import formats, translation
from taggit.models import Tag, TaggedItem

from tests.factories import make_article

pytestmark = pytest.mark.django_db

# What a translated admin gives away: a noun glued to « de » without elision or article, agreement
# with no gender, English left over, three names for mots-clés, Django's « l'objet X ».
BAD_FRENCH = [
    re.compile(r"\b(Ajout|Modification|Consultation|Affichage) de [aeiouéèêhAEIOUÉ]"),
    re.compile(r"\bAjouter (article|abonné|auteur|édition|rubrique|source|utilisateur|groupe)\b"),
    re.compile(r"\bde le\b|\bde les\b"),
    re.compile(r"\b(éditions|rubriques|sources|corrections|newsletters|correspondances de sujets) sélectionnés\b"),
    re.compile(r"Rechercher dans les fil"),
    re.compile(r"l[’']objet \w+"),
    re.compile(r"Task Results?|Merge selected|Tasks Database|Taggit|Étiquette|\bTags\b"),
    re.compile(r"\bCan (add|change|delete|view)\b"),
    re.compile(r"\b1 (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)\b"),
]


def visible_text(html):
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def superuser_client(client):
    user = get_user_model().objects.create_superuser("chef", "chef@example.org", "motdepasse-test")
    client.force_login(user)
    return client


@pytest.fixture
def tagged_articles():
    first = make_article(headline="Sommet à Astana", tags=["énergie", "Énergies"])
    second = make_article(headline="Barrage de Rogoun", tags=["Énergies"])
    return first, second


@time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC), tick=False)
def test_every_admin_page_reads_as_french(superuser_client, tagged_articles):
    index = superuser_client.get(reverse("admin:index"))
    assert index.status_code == 200
    pages = set()
    for model in admin.site._registry:
        opts = model._meta
        pages.add(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        if admin.site._registry[model].has_add_permission(index.wsgi_request):
            pages.add(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    pages.add(reverse("admin:articles_article_change", args=[tagged_articles[0].pk]))
    assert len(pages) > 20
    for url in sorted(pages):
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.text)
        for pattern in BAD_FRENCH:
            found = pattern.search(text)
            assert found is None, f"{url}: « {found and found.group(0)} »"


def test_titles_buttons_and_actions_agree_in_gender(superuser_client, tagged_articles):
    add_article = superuser_client.get(reverse("admin:articles_article_add")).text
    assert "<h1>Ajout d’un article</h1>" in add_article
    assert "Ajout d’une rubrique" in superuser_client.get(reverse("admin:articles_section_add")).text
    assert "Ajout d’une édition" in superuser_client.get(reverse("admin:newsletter_edition_add")).text
    article = make_article()
    change = superuser_client.get(reverse("admin:articles_article_change", args=[article.pk])).text
    assert "Modification de l’article" in change
    tags = superuser_client.get(reverse("admin:taggit_tag_changelist")).text
    assert "Ajouter un mot-clé" in tags and "Supprimer les mots-clés sélectionnés" in tags
    sections = superuser_client.get(reverse("admin:articles_section_changelist")).text
    assert "Supprimer les rubriques sélectionnées" in sections and "Ajouter une rubrique" in sections
    group = superuser_client.get(reverse("admin:auth_group_add")).text
    assert "Peut ajouter un article" in group and "Peut consulter une rubrique" in group
    wire = superuser_client.get(reverse("admin:articles_wiredispatch_changelist")).text
    assert "Recherche : fil AFP" in wire


def test_merging_mots_cles_moves_every_article_once(superuser_client, tagged_articles):
    first, second = tagged_articles
    keep, drop = Tag.objects.get(name="énergie"), Tag.objects.get(name="Énergies")
    url = reverse("admin:taggit_tag_changelist")
    selection = {"action": "merge_selected_tags", "_selected_action": [keep.pk, drop.pk]}
    form = superuser_client.post(url, selection)
    assert form.status_code == 200 and "Mot-clé à garder" in form.text
    response = superuser_client.post(url, {**selection, "target": keep.pk}, follow=True)
    assert "1 mot-clé fusionné dans « énergie »." in response.text
    assert not Tag.objects.filter(pk=drop.pk).exists()
    assert sorted(first.tags.names()) == ["énergie"]  # was tagged with both: one row left
    assert sorted(second.tags.names()) == ["énergie"]
    assert TaggedItem.objects.filter(tag=keep).count() == 2


def test_merging_needs_two_mots_cles(superuser_client, tagged_articles):
    keep = Tag.objects.get(name="énergie")
    url = reverse("admin:taggit_tag_changelist")
    response = superuser_client.post(url, {"action": "merge_selected_tags", "_selected_action": [keep.pk]}, follow=True)
    assert "Sélectionnez au moins deux mots-clés à fusionner." in response.text
    assert Tag.objects.count() == 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2026, 12, 1, 8, 5, tzinfo=dt.UTC), "1er décembre 2026 à 9 h 05"),
        (dt.datetime(2026, 12, 2, 17, 30, tzinfo=dt.UTC), "2 décembre 2026 à 18 h 30"),
    ],
)
def test_dates_are_written_with_the_french_ordinal(value, expected):
    from django.utils import timezone

    with translation.override("fr"):
        assert formats.date_format(timezone.localtime(value), "DATETIME_FORMAT") == expected
        assert formats.date_format(value.date(), "DATE_FORMAT") == expected.split(" à ")[0]
    with translation.override("en"):
        assert formats.date_format(dt.date(2026, 12, 1), "jS F") == "1st December"


@time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC), tick=False)
def test_admin_lists_show_the_first_of_the_month_as_1er(superuser_client):
    make_article(headline="Paru le premier", publish_at=dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC))
    html = visible_text(superuser_client.get(reverse("admin:articles_correction_changelist")).text)
    html += visible_text(superuser_client.get(reverse("admin:articles_article_changelist")).text)
    assert "1er décembre" in html
    assert not re.search(r"\b1 décembre", html)


def read_po(path):
    """(msgctxt, msgid) → msgstr for the simple entries of a .po file."""
    entries, current, key = {}, {}, None
    for line in [*Path(path).read_text().splitlines(), ""]:
        match = re.match(r'^(msgctxt|msgid|msgstr) "(.*)"$', line)
        if match:
            key = match.group(1)
            current[key] = match.group(2)
        elif line.startswith('"') and key:
            current[key] += line[1:-1]
        elif not line.strip():
            if current.get("msgid"):
                entries[(current.get("msgctxt"), current["msgid"])] = current["msgstr"]
            current, key = {}, None
    return {k: v.encode().decode("unicode_escape").encode("latin-1").decode() for k, v in entries.items()}


def test_compiled_catalogue_matches_its_source():
    """The committed .mo is the compiled .po: every override is what Django actually serves."""
    entries = read_po(Path(settings.BASE_DIR) / "locale/fr/LC_MESSAGES/django.po")
    assert len(entries) > 40
    with translation.override("fr"):
        for (context, msgid), msgstr in entries.items():
            served = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
            assert served == msgstr, msgid
