"""Uploaded media with DEBUG off: served, with the right type, and never as a page that runs."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082"
)


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "articles" / "2026").mkdir(parents=True)
    (tmp_path / "articles" / "2026" / "photo.png").write_bytes(PNG)
    (tmp_path / "articles" / "2026" / "piege.html").write_text("<script>alert(document.cookie)</script>")
    (tmp_path / "articles" / "2026" / "piege.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    (tmp_path / "articles" / "2026" / "image.jpg").write_text("<script>alert(1)</script>")  # lies about its type
    (tmp_path / ".secret").write_text("x")
    (tmp_path.parent / "outside.txt").write_text("not media")
    return tmp_path


@override_settings(DEBUG=False)
def test_image_served_as_image_with_nosniff(client, media):
    response = client.get("/media/articles/2026/photo.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "script-src" not in response["Content-Security-Policy"]  # default-src 'none' covers scripts
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert not response.get("Content-Disposition", "").startswith("attachment")
    assert b"".join(response.streaming_content) == PNG


@override_settings(DEBUG=False)
@pytest.mark.parametrize("name", ["piege.html", "piege.svg"])
def test_anything_else_is_a_download_never_a_page(client, media, name):
    response = client.get(f"/media/articles/2026/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


@override_settings(DEBUG=False)
def test_a_file_lying_about_its_type_cannot_be_sniffed_into_html(client, media):
    response = client.get("/media/articles/2026/image.jpg")
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    "path",
    ["/media/../outside.txt", "/media/%2e%2e/outside.txt", "/media/.secret", "/media/articles/", "/media/nope.png"],
)
def test_outside_hidden_or_missing_is_404(client, media, path):
    assert client.get(path).status_code == 404


@override_settings(DEBUG=False)
def test_no_upload_through_the_media_url(client, media):
    assert client.post("/media/articles/2026/photo.png", {"a": "b"}).status_code == 405
