"""Load the demo site: the two founding seed stories, a few more, two authors and demo accounts.

Idempotent: a second run finds everything in place and writes nothing.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files import File
from django.core.management.base import BaseCommand
from django.db import transaction

from articles import demo
from articles.cache import purge_public_pages
from articles.demo.desk import load_desk
from articles.demo.live import load_live
from articles.models import Article, Author, Correction, Image, Section, Source
from articles.renditions import ensure_renditions
from articles.sanitize import sanitize_html


class Command(BaseCommand):
    help = "Charge les articles de démonstration (dont les deux textes fondateurs) et les comptes de démo."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Crée les comptes de démonstration même quand DEBUG est désactivé (jamais en production).",
        )
        parser.add_argument(
            "--no-renditions",
            action="store_true",
            help="Ne fabrique pas les déclinaisons des images (make_renditions ou db_worker s’en chargeront).",
        )

    def handle(self, *args, force=False, no_renditions=False, **options):
        self.changed = 0
        self.renditions = not no_renditions
        with transaction.atomic():
            self.load_photos()
            users = self.load_accounts(force=force)
            authors = self.load_authors(users)
            dispatch, rewrite = self.load_seeds(authors)
            for story in demo.STORIES:
                self.load_story(story, authors)
            self.changed += load_desk(users, authors)
            live_article, created = load_live(authors)
            self.changed += created
        purge_public_pages()
        self.stdout.write(
            f"Démo : {Article.objects.count()} articles, {self.changed} créés ou modifiés. "
            f"Dépêche : {dispatch.get_absolute_url()} — article : {rewrite.get_absolute_url()} — "
            f"direct : {live_article.get_absolute_url()}"
        )

    def load_accounts(self, *, force):
        if not settings.DEBUG and not force:
            self.stdout.write("DEBUG est désactivé : aucun compte de démonstration créé (--force pour passer outre).")
            return {}
        User = get_user_model()
        users = {}
        for username, group_name, is_superuser in demo.ACCOUNTS:
            password = f"{username}-demo"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username=username,
                    password=password,
                    email=f"{username}@newsroom.localhost",
                    is_staff=True,
                    is_superuser=is_superuser,
                )
                self.stdout.write(f"Compte créé : {username} / {password}")
            else:
                self.stdout.write(f"Compte existant (mot de passe inchangé) : {username} / {password}")
            group = Group.objects.filter(name=group_name).first()
            if group is not None and not user.groups.filter(pk=group.pk).exists():
                user.groups.add(group)
            users[username] = user
        return users

    def load_authors(self, users):
        authors = {}
        for slug, name, bio, username in demo.AUTHORS:
            author, _created = Author.objects.get_or_create(slug=slug, defaults={"name": name, "bio": bio})
            user = users.get(username)
            if user is not None and author.user_id is None and not Author.objects.filter(user=user).exists():
                author.user = user
                author.save(update_fields=["user"])
            authors[slug] = author
        return authors

    def load_seeds(self, authors):
        sections = {section.slug: section for section in Section.objects.all()}
        afp = demo.parse_afp(demo.read_seed(demo.AFP_SEED))
        dispatch = self.upsert(
            demo.AFP_STORY["slug"],
            headline=demo.AFP_STORY["headline"],
            section=sections[demo.AFP_STORY["section"]],
            source=Source.objects.get(slug="afp"),
            credit_line=afp["credit"],
            dateline=demo.AFP_STORY["dateline"],
            body=afp["body"],
            publish_at=demo.AFP_STORY["publish_at"],
        )
        inhouse = demo.parse_inhouse(demo.read_seed(demo.INHOUSE_SEED))
        rewrite = self.upsert(
            demo.INHOUSE_STORY["slug"],
            headline=inhouse["headline"],
            section=sections[demo.INHOUSE_STORY["section"]],
            source=Source.objects.get(slug="redaction"),
            credit_line=demo.INHOUSE_STORY["credit"],
            based_on=dispatch,
            standfirst=inhouse["standfirst"],
            body=inhouse["body"],
            publish_at=demo.INHOUSE_STORY["publish_at"],
            tags=inhouse["tags"],
            authors=[authors[slug] for slug in demo.INHOUSE_STORY["authors"]],
        )
        return dispatch, rewrite

    def load_story(self, story, authors):
        article = self.upsert(
            story["slug"],
            headline=story["headline"],
            kicker=story["kicker"],
            section=Section.objects.get(slug=story["section"]),
            source=Source.objects.get(slug="redaction"),
            standfirst=story["standfirst"],
            body=demo.blocks_to_html(story["paragraphs"]),
            dateline=story["dateline"],
            byline=story["byline"],
            publish_at=story["publish_at"],
            tags=story["tags"],
            authors=[authors[slug] for slug in story["authors"]],
        )
        if "correction" in story:
            wrong, right, created_at = story["correction"]
            Correction.objects.get_or_create(
                article=article, created_at=created_at, defaults={"wrong": wrong, "right": right}
            )

    def load_photos(self):
        """The demo photographs as library images: uploaded like any other, so their GPS is stripped."""
        self.images = {}
        for name, (caption, credit, alt, focal_x, focal_y) in demo.PHOTOS.items():
            image = Image.objects.filter(caption=caption).first()
            if image is None:
                with (demo.PHOTOS_DIR / name).open("rb") as handle:
                    image = Image(
                        file=File(handle, name=name),
                        caption=caption,
                        credit=credit,
                        alt_text=alt,
                        focal_x=focal_x,
                        focal_y=focal_y,
                    )
                    image.save()
                self.changed += 1
            if self.renditions:
                ensure_renditions(image)
            self.images[name] = image

    def with_photos(self, slug, fields):
        """`fields` of article `slug` with its demo featured image and body figures."""
        featured, body_photos = demo.ARTICLE_PHOTOS.get(slug, (None, []))
        if featured is None:
            return fields
        figures = [
            f'<figure class="image"><img src="{self.images[name].url}" alt="{self.images[name].alt_text}">'
            f"<figcaption>{self.images[name].caption}</figcaption></figure>"
            for name in body_photos
        ]
        body = demo.with_body_photos(fields.get("body", ""), figures)
        return {**fields, "featured_image": self.images[featured], "body": body}

    def upsert(self, slug, *, tags=(), authors=(), **fields):
        """Create the published article `slug`, or bring it back to `fields`; save only what differs."""
        fields = self.with_photos(slug, {"status": Article.Status.PUBLISHED, **fields})
        fields["body"] = sanitize_html(fields.get("body", ""))
        article = Article.objects.filter(slug=slug).first()
        if article is None:
            article = Article.objects.create(slug=slug, first_published_at=fields["publish_at"], **fields)
            self.changed += 1
        elif any(getattr(article, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(article, name, value)
            article.save()
            self.changed += 1
        if {tag.name for tag in article.tags.all()} != set(tags):
            article.tags.set(tags, clear=True)
        if {author.pk for author in article.authors.all()} != {author.pk for author in authors}:
            article.authors.set(authors)
        return article
