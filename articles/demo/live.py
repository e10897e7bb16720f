"""The demo's running direct: an election night in Bichkek, entries by two journalists.

Created once, with times relative to the first load so that it reads as running; a second load
finds it and writes nothing.
"""

from datetime import timedelta

from django.utils import timezone

from articles.models import Article, LiveBlog, LiveEntry, Section, Source

SLUG = "en-direct-legislatives-au-kirghizistan"
HEADLINE = "En direct — Législatives au Kirghizistan : la soirée électorale"
STANDFIRST = (
    "Les bureaux de vote ont fermé à 20 heures à Bichkek. Résultats, participation, réactions : "
    "suivez la soirée avec notre rédaction."
)
SUMMARY = (
    "<ul><li>Les bureaux de vote ont fermé à 20 heures (heure de Bichkek).</li>"
    "<li>La participation provisoire atteint 34 %, selon la commission électorale.</li>"
    "<li>Premiers résultats partiels attendus dans la nuit.</li></ul>"
)
# minutes after the start, author slug, title, text, (pinned, corrected to)
ENTRIES = [
    (
        0,
        "aigerim-nurlanovna",
        "Ouverture du direct",
        "Bonsoir et bienvenue dans ce direct consacré aux législatives.",
        "",
    ),
    (12, "timour-rakhimov", "", "À Och, la file d’attente s’allonge devant l’école no 14 avant la fermeture.", ""),
    (
        25,
        "aigerim-nurlanovna",
        "Participation",
        "La commission électorale annonce une participation de 43 %.",
        "La commission électorale annonce une participation provisoire de 34 %.",
    ),
    (
        41,
        "timour-rakhimov",
        "",
        "Les observateurs de l’OSCE tiendront une conférence de presse demain à 11 heures.",
        "",
    ),
    (
        58,
        "aigerim-nurlanovna",
        "Premiers résultats",
        "Selon les premiers résultats partiels, trois partis franchiraient le seuil de 5 %.",
        "",
    ),
    (70, "timour-rakhimov", "", "Ambiance calme devant le siège de la commission, place Ala-Too.", ""),
]
PINNED_MINUTE = 58


def load_live(authors):
    """Create the running demo direct if it is missing. Returns (article, created)."""
    article = Article.objects.filter(slug=SLUG).first()
    if article is not None:
        return article, False
    start = timezone.now() - timedelta(minutes=80)
    article = Article.objects.create(
        slug=SLUG,
        headline=HEADLINE,
        kicker="Kirghizistan",
        standfirst=STANDFIRST,
        body="<p>Notre rédaction suit la soirée électorale en direct depuis Bichkek et Och.</p>",
        section=Section.objects.get(slug="kirghizistan"),
        source=Source.objects.get(slug="redaction"),
        dateline="Bichkek",
        status=Article.Status.PUBLISHED,
        publish_at=start,
        first_published_at=start,
    )
    article.authors.set([authors["aigerim-nurlanovna"], authors["timour-rakhimov"]])
    article.tags.set(["élections", "Kirghizistan"])
    live = LiveBlog.objects.create(article=article, summary=SUMMARY, started_at=start)
    for minute, author_slug, title, text, corrected in ENTRIES:
        posted = start + timedelta(minutes=minute)
        LiveEntry.objects.create(
            live=live,
            posted_at=posted,
            title=title,
            body=f"<p>{corrected or text}</p>",
            author=authors[author_slug],
            created_by=authors[author_slug].user,
            pinned=minute == PINNED_MINUTE,
            edited_at=posted + timedelta(minutes=6) if corrected else None,
            revision=2 if corrected else 1,
        )
    LiveBlog.objects.filter(pk=live.pk).update(
        version=len(ENTRIES) + 1, last_entry_at=start + timedelta(minutes=ENTRIES[-1][0])
    )
    return article, True
