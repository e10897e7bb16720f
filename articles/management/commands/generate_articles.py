"""Generate N realistic published articles for load tests and benchmarks (bulk inserts, minutes for 100 000)."""

import datetime as dt
import random
import time

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from articles.models import Article, Section, Source

BATCH_SIZE = 2_000
TAG_POOL = [
    "Kazakhstan",
    "Ouzbékistan",
    "Kirghizistan",
    "Tadjikistan",
    "Turkménistan",
    "Russie",
    "Chine",
    "France",
    "Union européenne",
    "Turquie",
    "énergie",
    "gaz",
    "uranium",
    "eau",
    "climat",
    "agriculture",
    "élections",
    "droits humains",
    "économie",
    "transport",
    "coopération",
    "diplomatie",
    "sécurité",
    "culture",
    "éducation",
    "tourisme",
    "patrimoine",
    "migrations",
    "santé",
    "numérique",
]
SUBJECTS = [
    "Le gouvernement",
    "Le président",
    "Le Parlement",
    "La Banque centrale",
    "Les éleveurs",
    "Les étudiants",
    "Une délégation européenne",
    "Les autorités locales",
    "Le ministère de l’Énergie",
    "Les agriculteurs",
]
VERBS = [
    "annonce",
    "prépare",
    "dévoile",
    "relance",
    "reporte",
    "signe",
    "défend",
    "conteste",
    "accélère",
    "inaugure",
]
OBJECTS = [
    "un plan pour l’eau",
    "une réforme des retraites",
    "un accord gazier",
    "un nouveau corridor ferroviaire",
    "la construction d’une centrale",
    "un programme de bourses",
    "un partenariat avec l’Union européenne",
    "la modernisation des réseaux électriques",
    "un forum sur les matières premières",
    "un festival de musique traditionnelle",
]
PLACES = ["à Astana", "à Almaty", "à Tachkent", "à Samarcande", "à Bichkek", "à Och", "à Douchanbé", "à Achgabat"]
PARAGRAPHS = [
    "Les discussions doivent se poursuivre dans les prochaines semaines, selon une source proche du dossier.",
    "Les observateurs soulignent l’importance de ce projet pour l’ensemble de la région.",
    "Plusieurs associations ont demandé davantage de transparence sur le calendrier et le financement.",
    "Le projet s’inscrit dans une stratégie de diversification des partenariats du pays.",
    "Sur place, les habitants attendent des retombées concrètes pour l’emploi.",
]


def headline(rng):
    place, subject = rng.choice(PLACES).capitalize(), rng.choice(SUBJECTS).lower()
    return f"{place}, {subject} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"


def generate(count, *, seed=None, batch_size=BATCH_SIZE):
    """Insert `count` published articles with 1–4 tags each; returns how many were created."""
    rng = random.Random(seed)
    sections = list(Section.objects.all())
    sources = list(Source.objects.filter(slug__in=["redaction", "afp"]))
    if not sections or not sources:
        raise CommandError("Aucune rubrique ou source : lancez d’abord « migrate ».")
    tags = [Tag.objects.get_or_create(name=name)[0] for name in TAG_POOL]
    content_type = ContentType.objects.get_for_model(Article)
    now = timezone.now()
    two_years = 2 * 365 * 24 * 3600
    # A token per run keeps slugs unique across runs without reading existing slugs.
    run = get_random_string(6, "abcdefghijklmnopqrstuvwxyz0123456789")
    created = 0
    while created < count:
        size = min(batch_size, count - created)
        articles = []
        for i in range(created, created + size):
            title = headline(rng)
            source = rng.choice(sources)
            published = now - dt.timedelta(seconds=rng.randrange(two_years))
            # Built from fixed plain-text pools, so it is already safe HTML (bulk_create skips save()).
            body = "\n".join(f"<p>{p}</p>" for p in rng.sample(PARAGRAPHS, 3))
            articles.append(
                Article(
                    headline=title,
                    slug=f"{slugify(title)[:200]}-{run}{i}",
                    standfirst=f"{title}. {rng.choice(PARAGRAPHS)}",
                    body=body,
                    section=rng.choice(sections),
                    source=source,
                    credit_line=source.credit,
                    status=Article.Status.PUBLISHED,
                    publish_at=published,
                    first_published_at=published,
                )
            )
        with transaction.atomic():
            Article.objects.bulk_create(articles)
            TaggedItem.objects.bulk_create(
                TaggedItem(content_type=content_type, object_id=article.pk, tag=tag)
                for article in articles
                for tag in rng.sample(tags, rng.randint(1, 4))
            )
        created += size
    if connection.vendor == "postgresql":
        # Fresh planner statistics: right after a bulk load, stale ones make the related-stories and
        # tag queries pick nested loops that take minutes instead of milliseconds.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE articles_article, taggit_taggeditem, taggit_tag")
    return created


class Command(BaseCommand):
    help = "Génère N articles publiés réalistes (tests de charge, mesures)."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--seed", type=int, default=None, help="Graine du générateur aléatoire.")

    def handle(self, *args, count, seed, **options):
        if count < 1:
            raise CommandError("N doit être positif.")
        started = time.perf_counter()
        created = generate(count, seed=seed)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"{created} articles créés en {elapsed:.1f} s ({created / elapsed:.0f} articles/s).")
