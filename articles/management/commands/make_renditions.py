"""(Re)make the renditions of library images, with a progress bar."""

import sys

from django.core.management.base import BaseCommand

from articles.models.images import Image
from articles.renditions import ensure_renditions


class Command(BaseCommand):
    help = (
        "Make the missing or outdated renditions of library images (all, or the ids given); "
        "--force remakes them even when current. Safe to run beside workers: each image is locked."
    )

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="Only these images.")
        parser.add_argument("--force", action="store_true", help="Remake renditions that are current.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for logs).")

    def handle(self, *, ids, force, no_progress, verbosity, **options):
        images = Image.objects.order_by("pk")
        if ids:
            images = images.filter(pk__in=ids)
        total = images.count()
        made = 0
        show = not no_progress and verbosity > 0
        for done, image in enumerate(images.iterator(), start=1):
            made += ensure_renditions(image, force=force)
            if show:
                self.draw(done, total)
        if show and total:
            sys.stderr.write("\n")
        self.stdout.write(f"{total} image(s), {made} set(s) of renditions made.")

    def draw(self, done, total, width=30):
        filled = width * done // total
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()
