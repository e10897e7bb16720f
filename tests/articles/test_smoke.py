import pytest

from tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_home_lists_published_article(client):
    article = make_article(headline="Astana accueille un sommet")
    response = client.get("/")
    assert response.status_code == 200
    assert "Astana accueille un sommet" in response.text
    assert client.get(article.get_absolute_url()).status_code == 200
