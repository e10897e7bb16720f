"""The image library: safe uploads through every image field, renditions, focal crops, pages, publishing."""

import io
import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models.deletion import ProtectedError
from django.test import override_settings
from django.urls import reverse
from PIL import ExifTags
from PIL import Image as PILImage

from articles import renditions
from articles.models import Article
from articles.models.images import Image
from articles.pictures import media_name
from articles.roles import EDITOR
from tests.factories import make_article, make_image, make_user, photo_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.IMAGE_RENDITION_FORMATS = ["avif"]
    return tmp_path


@pytest.fixture
def editor(client):
    user = make_user("editeur", groups=[EDITOR])
    client.force_login(user)
    return user


def served_files(html):
    """The bytes behind every media URL in `html` (src and srcset), read back from storage.

    Media are served straight from storage (whitenoise or the web server, docs/operations.md), so
    these are the bytes a reader receives."""
    urls = set(re.findall(r"/media/[^\s\"',]+", html))
    assert urls
    served = {}
    for url in urls:
        with default_storage.open(media_name(url)) as stored:
            served[url] = stored.read()
    return served


def gps_of(data):
    return PILImage.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)


# --- Safe uploads ----------------------------------------------------------------------------


def test_source_photo_carries_gps_but_stored_original_does_not():
    content = photo_bytes()
    assert gps_of(content)  # the test picture really has a position
    image = make_image(content=content, renditions=False)
    with default_storage.open(image.file.name) as stored:
        data = stored.read()
    assert gps_of(data) == {}
    assert not PILImage.open(io.BytesIO(data)).getexif()
    assert b"Appareil de test" not in data


def test_orientation_is_applied_before_the_metadata_goes():
    image = make_image(content=photo_bytes(400, 200, orientation=6), renditions=False)
    assert (image.width, image.height) == (200, 400)


def test_file_names_are_sanitised():
    image = make_image(name="../../Photo d’Astana (1)<script>.JPG", renditions=False)
    stem = image.file.name.rsplit("/", 1)[-1]
    assert image.file.name.startswith("images/")
    assert re.fullmatch(r"photo-dastana-1script-[a-z0-9]{6}\.jpg", stem)


def _bomb():
    # A tiny PNG whose header claims 30 000 × 30 000 pixels (900 million once decoded).
    import struct
    import zlib

    buffer = io.BytesIO()
    PILImage.new("1", (8, 8)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    ihdr = struct.pack(">II", 30_000, 30_000) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def _truncated():
    return photo_bytes()[:2000]


def _polyglot():
    return photo_bytes() + b"<html><script>alert(document.cookie)</script></html>"


HOSTILE = [
    pytest.param(b"<svg onload=alert(1)></svg>", "x.svg", {}, id="svg"),
    pytest.param(b"GIF89a pas vraiment une image", "x.gif", {}, id="fake-gif"),
    pytest.param(photo_bytes(fmt="BMP", gps=False), "x.bmp", {}, id="bmp"),
    pytest.param(_truncated(), "x.jpg", {}, id="truncated"),
    pytest.param(_polyglot(), "x.jpg", {}, id="polyglot"),
    pytest.param(_bomb(), "bombe.png", {}, id="decompression-bomb"),
    pytest.param(photo_bytes(), "grande.jpg", {"ARTICLE_IMAGE_MAX_PIXELS": 10_000}, id="too-many-pixels"),
    pytest.param(photo_bytes(), "lourde.jpg", {"ARTICLE_IMAGE_MAX_BYTES": 1000}, id="too-heavy"),
]


@pytest.mark.parametrize(("content", "name", "limits"), HOSTILE)
def test_hostile_uploads_refused_by_the_editor_upload(client, editor, content, name, limits):
    with override_settings(**limits):
        response = client.post(
            reverse("admin:articles_article_image_upload"),
            {"upload": SimpleUploadedFile(name, content, content_type="image/jpeg")},
        )
    assert response.status_code == 400
    assert response.json()["error"]["message"]
    assert Image.objects.count() == 0


@pytest.mark.parametrize(("content", "name", "limits"), HOSTILE)
def test_hostile_uploads_refused_by_the_library_and_featured_image_field(client, editor, content, name, limits):
    # The article form's featured image is a library image: the library's add form is the one way in.
    with override_settings(**limits):
        response = client.post(
            reverse("admin:articles_image_add"),
            {
                "file": SimpleUploadedFile(name, content, content_type="image/jpeg"),
                "credit": "Dana Ospanova",
                "alt_text": "Un lac",
                "origin": "redaction",
                "focal_x": 50,
                "focal_y": 50,
            },
        )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["file"]
    assert Image.objects.count() == 0


@pytest.mark.parametrize(("content", "name", "limits"), HOSTILE)
def test_hostile_files_refused_by_the_model_whatever_the_path(content, name, limits):
    with override_settings(**limits), pytest.raises(ValidationError):
        make_image(content=content, name=name, renditions=False)
    assert Image.objects.count() == 0


def test_editor_upload_joins_the_library_without_metadata(client, editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:articles_article_image_upload"),
            {"upload": SimpleUploadedFile("lac.jpg", photo_bytes(), content_type="image/jpeg")},
        )
    assert response.status_code == 200
    image = Image.objects.get()
    assert response.json()["url"] == image.url
    assert image.uploaded_by == editor
    assert gps_of(served_files(image.url)[image.url]) == {}
    assert renditions.is_current(Image.objects.get(pk=image.pk))  # made by the task on commit


# --- Renditions ------------------------------------------------------------------------------


def test_renditions_in_every_format_and_width_and_lighter_than_the_original(settings):
    settings.IMAGE_RENDITION_FORMATS = ["avif", "webp"]
    image = make_image(content=photo_bytes(1600, 900))
    original_size = default_storage.size(image.file.name)
    for fmt in ("avif", "webp", "jpeg"):
        items = renditions.select(image, "16:9", fmt)
        # JPEG also holds the email (600) and social card (1200) sizes.
        expected = [320, 600, 640, 960, 1200, 1280, 1600] if fmt == "jpeg" else [320, 640, 960, 1280, 1600]
        assert [item["width"] for item in items] == expected
        for item in items:
            with default_storage.open(item["name"]) as stored:
                picture = PILImage.open(stored)
                assert picture.format == {"avif": "AVIF", "webp": "WEBP", "jpeg": "JPEG"}[fmt]
                assert picture.size == (item["width"], item["height"])
                assert item["height"] == round(item["width"] * 9 / 16)
            if item["width"] < 1600:
                assert default_storage.size(item["name"]) < original_size
    social = {entry["ratio"]: (entry["width"], entry["height"]) for entry in image_social(image)}
    assert social == {"16:9": (1200, 675), "4:3": (1200, 900), "1:1": (900, 900)}


def image_social(image):
    from articles.models.images import social_images

    return social_images(image)


def test_renditions_are_made_once():
    image = make_image()
    names = [item["name"] for item in image.renditions["items"]]
    assert renditions.ensure_renditions(image) is False
    assert [item["name"] for item in Image.objects.get(pk=image.pk).renditions["items"]] == names


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_requests_make_the_renditions_once():
    if connection.vendor != "postgresql":
        pytest.skip("row locks across connections: PostgreSQL")
    image = make_image(renditions=False)
    results, barrier = [], threading.Barrier(3)

    def worker():
        barrier.wait()
        try:
            results.append(renditions.ensure_renditions(Image.objects.get(pk=image.pk)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == [False, False, True]
    stored = default_storage.listdir(f"renditions/{image.pk}")[0]
    assert len(stored) == 1  # one signature folder, one set of files
    files = default_storage.listdir(f"renditions/{image.pk}/{stored[0]}")[1]
    assert len(files) == len(Image.objects.get(pk=image.pk).renditions["items"])


def _marker_position(data, colour=(255, 0, 0)):
    picture = PILImage.open(io.BytesIO(data)).convert("RGB")
    xs, ys = [], []
    for y in range(0, picture.height, 2):
        for x in range(0, picture.width, 2):
            r, g, b = picture.getpixel((x, y))
            if r > 200 and g < 80 and b < 80:
                xs.append(x)
                ys.append(y)
    return xs, ys, picture.size


@pytest.mark.parametrize(("fx", "fy"), [(6, 10), (94, 88), (50, 50)])
def test_crops_keep_the_focal_point_inside(fx, fy):
    # A wide 800 × 250 picture with a red square at the focal point: every crop must still show it.
    picture = PILImage.new("RGB", (800, 250), "#204060")
    cx, cy = 800 * fx // 100, 250 * fy // 100
    picture.paste((255, 0, 0), (max(cx - 10, 0), max(cy - 10, 0), min(cx + 10, 800), min(cy + 10, 250)))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    image = make_image(content=buffer.getvalue(), name="repere.png", focal_x=fx, focal_y=fy)
    for ratio in ("16:9", "4:3", "1:1"):
        item = renditions.best(image, ratio, 1200)
        with default_storage.open(item["name"]) as stored:
            xs, ys, size = _marker_position(stored.read())
        assert xs and ys, f"focal point cropped out at {ratio}"
        assert abs(size[0] / size[1] - renditions.RATIOS[ratio]) < 0.01


def test_new_focal_point_makes_a_new_set_and_drops_the_old(django_capture_on_commit_callbacks):
    image = make_image()
    old = [item["name"] for item in image.renditions["items"]]
    image.focal_x = 10
    image.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert renditions.ensure_renditions(image) is True
    assert not any(default_storage.exists(name) for name in old)
    assert all(default_storage.exists(item["name"]) for item in image.renditions["items"])


def test_regenerate_command_with_progress(capsys):
    from django.core.management import call_command

    first, second = make_image(renditions=False), make_image(renditions=False)
    call_command("make_renditions")
    out = capsys.readouterr()
    assert "2/2" in out.err + out.out
    assert all(renditions.is_current(Image.objects.get(pk=pk)) for pk in (first.pk, second.pk))
    call_command("make_renditions", "--force", "--no-progress")
    assert renditions.is_current(Image.objects.get(pk=first.pk))


# --- Pages -------------------------------------------------------------------------------------


def _article_with_pictures():
    lead = make_image(caption="La place de la Nation.", credit="Dana Ospanova", alt_text="Une grande place")
    body_image = make_image(credit="AFP", alt_text="Une yourte dans la steppe", caption="")
    body = (
        f'<p>Premier paragraphe.</p><figure class="image"><img src="{body_image.url}" alt="">'
        f"<figcaption>Dans la steppe.</figcaption></figure><p>Suite.</p>"
    )
    return make_article(featured_image=lead, body=body), lead, body_image


def test_article_page_serves_responsive_pictures_with_widths_credits_and_priority(client):
    article, lead, body_image = _article_with_pictures()
    html = client.get(article.get_absolute_url()).text
    pictures = re.findall(r"<picture>.*?</picture>", html, re.S)
    lead_html, body_html = pictures[0], pictures[1]
    # The lead: AVIF source then a JPEG fallback, widths as made, sized, fetched first.
    avif = renditions.select(lead, "16:9", "avif")
    expected = ", ".join(f"{renditions.url(item)} {item['width']}w" for item in avif)
    assert f'<source type="image/avif" srcset="{expected}"' in lead_html
    assert re.search(r'<img src="[^"]+\.jpg" alt="Une grande place" width="800" height="450"', lead_html)
    assert 'fetchpriority="high"' in lead_html and 'loading="lazy"' not in lead_html
    # The body image: the stored HTML kept the original URL; the page shows renditions, lazily.
    assert body_image.url in Article.objects.get(pk=article.pk).body
    assert body_image.url not in body_html
    assert 'loading="lazy"' in body_html and 'alt="Une yourte dans la steppe"' in body_html
    assert re.search(r'Dans la steppe\. <span class="image-credit">Photo\s: AFP</span></figcaption>', html)
    assert re.search(r"Photo\s: Dana Ospanova", html)
    card = renditions.url(renditions.best(lead, "16:9", 1200))
    assert f'<meta property="og:image" content="http://127.0.0.1:8000{card}">' in html


def test_no_gps_in_any_file_the_article_page_serves(client):
    article, _lead, _body = _article_with_pictures()
    html = client.get(article.get_absolute_url()).text
    served = served_files(html)
    assert len(served) > 10
    for url, data in served.items():
        assert gps_of(data) == {}, url
        assert b"Appareil de test" not in data, url


def test_teasers_show_the_featured_image_on_lists():
    from django.test import Client

    article, lead, _body = _article_with_pictures()
    client = Client()
    for url in ("/", article.section.get_absolute_url()):
        html = client.get(url).text
        assert renditions.url(renditions.select(lead, "16:9", "avif")[0]) in html, url


def test_social_images_for_structured_data():
    article, _lead, _body = _article_with_pictures()
    crops = article.social_images()
    assert [crop["ratio"] for crop in crops] == ["16:9", "4:3", "1:1"]
    assert all(crop["url"].startswith("http://127.0.0.1:8000/media/renditions/") for crop in crops)
    assert (crops[0]["width"], crops[0]["height"]) == (800, 450)


# --- Publishing and deleting -----------------------------------------------------------------


def test_publishing_with_an_image_lacking_alt_text_is_refused():
    editor = make_user(groups=[EDITOR])
    image = make_image(alt_text="")
    article = make_article(status=Article.Status.DRAFT, publish_at=None, featured_image=image)
    with pytest.raises(ValidationError, match="texte alternatif"):
        article.publish(user=editor)
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT
    image.decorative = True
    image.save()
    article.refresh_from_db()
    article.publish(user=editor)
    assert Article.objects.get(pk=article.pk).is_published


def test_publishing_with_a_body_image_lacking_alt_text_is_refused():
    editor = make_user(groups=[EDITOR])
    image = make_image(alt_text="", renditions=False)
    article = make_article(
        status=Article.Status.DRAFT, publish_at=None, body=f'<p>Texte</p><img src="{image.url}" alt="">'
    )
    assert "texte alternatif" in str(article.publish_problems())
    with pytest.raises(ValidationError):
        article.publish(user=editor)
    # An alt attribute written in the editor counts for that use of the image.
    article.body = f'<p>Texte</p><img src="{image.url}" alt="Une yourte">'
    article.save()
    assert article.publish_problems() == []
    outside = make_article(status=Article.Status.DRAFT, body='<img src="https://example.org/x.jpg">')
    assert "texte alternatif" in str(outside.publish_problems())


def test_publishing_with_an_image_lacking_credit_is_refused():
    image = make_image(credit="", renditions=False)
    article = make_article(status=Article.Status.DRAFT, publish_at=None, featured_image=image)
    assert "crédit" in str(article.publish_problems())


def test_deleting_an_image_in_use_is_refused_with_a_french_message(client, editor):
    featured = make_image(renditions=False)
    in_body = make_image(renditions=False)
    make_article(headline="Le sommet d’Astana", featured_image=featured)
    make_article(headline="La steppe", body=f'<img src="{in_body.url}" alt="Steppe">')
    for image, headline in ((featured, "Le sommet d’Astana"), (in_body, "La steppe")):
        with pytest.raises(ProtectedError, match="ne peut pas être supprimée"):
            image.delete()
        response = client.post(reverse("admin:articles_image_delete", args=[image.pk]), {"post": "yes"})
        assert response.status_code == 200
        assert "Impossible de supprimer" in response.text and headline in response.text
    assert Image.objects.count() == 2
    unused = make_image(renditions=False)
    response = client.post(reverse("admin:articles_image_delete", args=[unused.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Image.objects.filter(pk=unused.pk).exists()


def test_admin_picker_searches_the_library(client, editor):
    make_image(caption="Le lac Issyk-Koul", renditions=False)
    make_image(caption="La place de la Nation", renditions=False)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "article", "field_name": "featured_image", "term": "Issyk"},
    )
    assert [r["text"] for r in response.json()["results"]] == ["Le lac Issyk-Koul (Dana Ospanova)"]


def test_focal_point_is_set_in_the_admin_with_number_inputs(client, editor):
    image = make_image(renditions=False)
    page = client.get(reverse("admin:articles_image_change", args=[image.pk])).text
    assert 'data-focal-axis="x"' in page and "js/focal-point.js" in page and 'class="focal-picker"' in page
    response = client.post(
        reverse("admin:articles_image_change", args=[image.pk]),
        {
            "caption": image.caption,
            "credit": image.credit,
            "alt_text": image.alt_text,
            "origin": "afp",
            "focal_x": 20,
            "focal_y": 70,
        },
    )
    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y, image.origin) == (20, 70, "afp")
    response = client.post(
        reverse("admin:articles_image_change", args=[image.pk]),
        {"caption": "", "credit": "x", "alt_text": "", "origin": "afp", "focal_x": 140, "focal_y": 70},
    )
    errors = response.context["adminform"].form.errors
    assert "focal_x" in errors and "alt_text" in errors


def test_structured_data_lists_the_three_crops_with_their_credit(client):
    import json

    article, _lead, _body = _article_with_pictures()
    html = client.get(article.get_absolute_url()).text
    blocks = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]
    news = next(block for block in blocks if block.get("@type") == "NewsArticle")
    assert [(image["width"], image["height"]) for image in news["image"]] == [(800, 450), (600, 450), (450, 450)]
    assert {image["creditText"] for image in news["image"]} == {"Dana Ospanova"}
    assert news["image"][0]["url"] == article.share_images()[0]


def test_demo_photos_carry_gps_but_nothing_served_does(client, settings):
    from django.core.management import call_command

    settings.IMAGE_RENDITION_FORMATS = []  # JPEG only: the formats are tested above, the demo's GPS here
    from articles import demo

    assert all(gps_of((demo.PHOTOS_DIR / name).read_bytes()) for name in demo.PHOTOS)
    call_command("load_demo", stdout=io.StringIO())
    article = Article.objects.get(slug="la-france-au-coeur-de-la-strategie-kazakhe")
    assert article.featured_image is not None and len(images_in_body(article)) == 2
    html = client.get(article.get_absolute_url()).text
    assert html.count("<picture>") >= 3
    stored = [image.file.name for image in Image.objects.all()]
    stored += [item["name"] for image in Image.objects.all() for item in image.renditions["items"]]
    for name in stored:
        with default_storage.open(name) as handle:
            assert gps_of(handle.read()) == {}, name
    assert all(gps_of(data) == {} for data in served_files(html).values())


def images_in_body(article):
    from articles.pictures import images_in

    return images_in(article.body)
