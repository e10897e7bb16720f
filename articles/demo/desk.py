"""The demo desk: a story returned with a comment, one in review, a topic due today, notifications.

Everything goes through the real flows (the workflow gate, the assignment notification), so a
newcomer logging in as any demo account sees a working desk. Idempotent: keyed on the headlines.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from articles.models import Article, Assignment, Section, Source
from articles.notifications import notify_assigned

RETURNED = {
    "headline": "Au Tadjikistan, les cotonculteurs face à la hausse du prix de l’eau",
    "standfirst": "Dans la vallée du Vakhch, l’irrigation coûte désormais plus cher que les semences.",
    "body": "<p>Les exploitants de la région de Bokhtar ont vu la redevance d’irrigation doubler en deux ans.</p>",
    "section": "tadjikistan",
    "comment": "Il manque la réaction du ministère de l’Agriculture et un chiffre sur les surfaces concernées. "
    "Peux-tu aussi raccourcir le deuxième paragraphe ?",
}
IN_REVIEW = {
    "headline": "Le Kirghizistan mise sur les stations de ski de l’Issyk-Koul",
    "standfirst": "Karakol veut doubler le nombre de ses visiteurs d’hiver d’ici trois ans.",
    "body": "<p>Une nouvelle télécabine doit ouvrir en décembre au-dessus de Karakol.</p>",
    "section": "kirghizistan",
}
TOPIC = {
    "working_title": "Ouzbékistan : la réforme des retraites votée au Parlement",
    "section": "ouzbekistan",
    "notes": "Angle : ce qui change pour les femmes, parties plus tôt à la retraite. "
    "Contacter l’économiste de Tachkent.",
    "expected_length": 700,
}


def _draft(spec, *, author, user):
    article = Article.objects.filter(headline=spec["headline"]).first()
    if article is not None:
        return article, False
    article = Article.objects.create(
        headline=spec["headline"],
        standfirst=spec["standfirst"],
        body=spec["body"],
        section=Section.objects.get(slug=spec["section"]),
        source=Source.objects.get(slug="redaction"),
        status=Article.Status.DRAFT,
        created_by=user,
    )
    if author is not None:
        article.authors.add(author)
    return article, True


# Names the desk shows for the demo accounts (« soumis par Aïgerim Nurlanovna »).
NAMES = {
    "journaliste": ("Aïgerim", "Nurlanovna"),
    "editeur": ("Damir", "Seitkali"),
    "redacteur-en-chef": ("Gulnara", "Ismaïlova"),
}


def load_desk(users, authors):
    """Create the demo desk for the demo accounts; returns how many things it created."""
    journalist, editor = users.get("journaliste"), users.get("editeur")
    if journalist is None or editor is None:
        return 0
    for username, (first, last) in NAMES.items():
        user = users.get(username)
        if user is not None and not user.first_name:
            user.first_name, user.last_name = first, last
            user.save(update_fields=["first_name", "last_name"])
    author = next((a for a in authors.values() if a.user_id == journalist.pk), None)
    created = 0
    returned, new = _draft(RETURNED, author=author, user=journalist)
    if new:
        returned.submit(user=journalist)
        returned.return_to_draft(user=editor, comment=RETURNED["comment"])
        created += 1
    in_review, new = _draft(IN_REVIEW, author=author, user=journalist)
    if new:
        in_review.submit(user=journalist)
        created += 1
    if not Assignment.objects.filter(working_title=TOPIC["working_title"]).exists():
        # Due today, in the future when possible: 17 h, or an hour from now, never past midnight.
        now = timezone.localtime()
        end_of_day = timezone.make_aware(datetime.combine(now.date(), time(23, 59)))
        due = min(
            max(timezone.make_aware(datetime.combine(now.date(), time(17, 0))), now + timedelta(hours=1)), end_of_day
        )
        topic = Assignment.objects.create(
            working_title=TOPIC["working_title"],
            section=Section.objects.get(slug=TOPIC["section"]),
            notes=TOPIC["notes"],
            expected_length=TOPIC["expected_length"],
            due_at=due,
            editor=editor,
            created_by=editor,
            status=Assignment.Status.ASSIGNED,
        )
        topic.assignees.add(journalist)
        notify_assigned(topic, [journalist], by=editor)
        created += 1
    return created
