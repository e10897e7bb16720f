"""Demo content: the two founding seed texts (seeds/) and a handful of short stories written for the demo."""

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings

PARIS = ZoneInfo("Europe/Paris")
BUNDLED_SEEDS = Path(__file__).resolve().parent / "seeds"
AFP_SEED = "afp_macron_kazakhstan.txt"
INHOUSE_SEED = "inhouse_macron_kazakhstan.txt"
# The last lines of the in-house capture are the site's newsletter box, not article text.
NEWSLETTER_LINES = ("Newsletter", "Pour rester informé des actualités de l’Asie centrale")


def seeds_dir():
    """SEEDS_DIR from the environment, else the copy bundled with the app (same bytes as shared/seeds)."""
    return Path(os.environ.get("SEEDS_DIR") or BUNDLED_SEEDS)


def shared_seeds_dir():
    """Where the design documents keep the seeds, next to the repository."""
    return Path(settings.BASE_DIR).parent / "shared" / "seeds"


def read_seed(name):
    return (seeds_dir() / name).read_bytes().decode("utf-8")


def escape_text(text):
    """Escape only what HTML requires in text (& < >): quotes, apostrophes and spaces stay as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def is_intertitle(line):
    """A seed intertitle is a short line with no closing punctuation; paragraphs end with one."""
    return len(line) <= 120 and not line.rstrip().endswith((".", "!", "?", "»", ":", "…"))


def blocks_to_html(lines):
    return "\n".join(
        f"<h2>{escape_text(line)}</h2>" if is_intertitle(line) else f"<p>{escape_text(line)}</p>" for line in lines
    )


def parse_afp(text):
    """The dispatch: every line is a paragraph or an intertitle; the final « AFP » line is the credit."""
    lines = [line for line in text.split("\n") if line.strip()]
    credit = lines.pop() if lines and lines[-1].strip() == "AFP" else ""
    return {"body_lines": lines, "body": blocks_to_html(lines), "credit": credit.strip()}


def parse_inhouse(text):
    """Line 1 headline, line 2 keywords, then the standfirst and the body up to the newsletter box."""
    lines = [line for line in text.split("\n") if line.strip()]
    headline, keywords, standfirst, *rest = lines
    if tuple(rest[-len(NEWSLETTER_LINES) :]) == NEWSLETTER_LINES:
        rest = rest[: -len(NEWSLETTER_LINES)]
    return {
        "headline": headline,
        "tags": [tag.strip() for tag in keywords.split(",") if tag.strip()],
        "standfirst": standfirst,
        "body_lines": rest,
        "body": blocks_to_html(rest),
    }


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


AUTHORS = [
    # slug, name, bio, demo account linked to the author
    (
        "aigerim-nurlanovna",
        "Aïgerim Nurlanovna",
        "Journaliste, suit le Kazakhstan et les relations entre l’Asie centrale et l’Europe.",
        "journaliste",
    ),
    ("timour-rakhimov", "Timour Rakhimov", "Correspondant à Tachkent, couvre l’Ouzbékistan et le Tadjikistan.", ""),
]

ACCOUNTS = [
    # username, group, is_superuser
    ("journaliste", "Journaliste", False),
    ("editeur", "Éditeur", False),
    ("redacteur-en-chef", "Rédaction en chef", True),
]

# Stories written for the demo: slug, section, kicker, headline, standfirst, body paragraphs,
# tags, dateline, author slugs, byline, publish time (Paris).
STORIES = [
    {
        "slug": "samarcande-registan-nouveaux-visiteurs",
        "section": "ouzbekistan",
        "kicker": "",
        "headline": "À Samarcande, le Registan attire une nouvelle génération de visiteurs",
        "standfirst": "Les trois médersas de la place la plus célèbre d’Asie centrale accueillent cette année des "
        "voyageurs venus d’Europe, mais aussi de plus en plus de touristes ouzbeks.",
        "paragraphs": [
            "Dès l’ouverture des grilles, les guides rassemblent leurs groupes au pied de la médersa Ouloug-Beg. "
            "« Il y a dix ans, nous ne parlions qu’anglais et russe. Aujourd’hui, on me demande le français et "
            "l’italien », sourit Dilnoza, guide depuis quinze ans.",
            "Les autorités ont simplifié les visas et multiplié les liaisons ferroviaires rapides entre Tachkent "
            "et Samarcande. Le train met désormais un peu plus de deux heures pour relier les deux villes.",
            "Les artisans du quartier, eux, redoutent la hausse des loyers. Plusieurs ateliers de céramique ont "
            "déjà quitté les rues voisines pour s’installer en périphérie.",
        ],
        "tags": ["Ouzbékistan", "tourisme", "patrimoine"],
        "dateline": "Samarcande",
        "authors": ["timour-rakhimov"],
        "byline": "",
        "publish_at": paris(2023, 10, 12, 8, 30),
    },
    {
        "slug": "kirghizistan-eleveurs-paturages",
        "section": "kirghizistan",
        "kicker": "Reportage",
        "headline": "Au Kirghizistan, les éleveurs face à la raréfaction des pâturages",
        "standfirst": "Sécheresses à répétition et surpâturage : sur les hauts plateaux du Naryn, les familles "
        "d’éleveurs doivent monter toujours plus haut pour nourrir leurs troupeaux.",
        "paragraphs": [
            "À 3 000 mètres d’altitude, la yourte de la famille Toktogoulov est plantée sur une herbe rase. "
            "« Mon père s’arrêtait ici en juin. Nous y sommes en août et il faudra encore monter », explique "
            "Azamat, 34 ans.",
            "Selon les agronomes, près de la moitié des pâturages d’été du pays sont aujourd’hui dégradés. "
            "Des associations locales testent des rotations de parcelles pour laisser l’herbe repousser.",
            "L’enjeu dépasse l’élevage : la viande et la laine restent une source de revenus essentielle pour "
            "les villages de montagne, où les jeunes partent de plus en plus travailler en Russie.",
        ],
        "tags": ["Kirghizistan", "climat", "agriculture"],
        "dateline": "Naryn",
        "authors": [],
        "byline": "Notre correspondante à Bichkek",
        "publish_at": paris(2023, 10, 14, 10, 0),
    },
    {
        "slug": "tadjikistan-barrage-rogoun-nouvelle-etape",
        "section": "tadjikistan",
        "kicker": "",
        "headline": "Le barrage de Rogoun franchit une nouvelle étape",
        "standfirst": "Le Tadjikistan a achevé une nouvelle tranche de travaux sur ce chantier hydroélectrique "
        "géant, censé faire du pays un exportateur d’électricité vers ses voisins.",
        "paragraphs": [
            "Commencé à l’époque soviétique, interrompu pendant la guerre civile, le projet de Rogoun est devenu "
            "le symbole des ambitions énergétiques de Douchanbé.",
            "Le financement reste la principale inconnue. Le gouvernement compte sur des prêts internationaux "
            "et sur la vente d’électricité à l’Afghanistan et au Pakistan.",
            "En aval, l’Ouzbékistan, longtemps hostile au projet, a adouci sa position et évoque désormais une "
            "gestion concertée de l’eau du Vakhch.",
        ],
        "tags": ["Tadjikistan", "énergie", "eau"],
        "dateline": "Douchanbé",
        "authors": ["timour-rakhimov"],
        "byline": "",
        "publish_at": paris(2023, 10, 16, 7, 45),
        "correction": (
            "La première turbine du barrage avait été mise en service en 2019.",
            "La première turbine du barrage a été mise en service en novembre 2018, et non en 2019.",
            paris(2023, 10, 17, 11, 20),
        ),
    },
    {
        "slug": "turkmenistan-gazoduc-tapi",
        "section": "turkmenistan",
        "kicker": "",
        "headline": "Le Turkménistan relance le projet de gazoduc TAPI",
        "standfirst": "Achgabat veut diversifier ses débouchés gaziers, aujourd’hui largement tournés vers la "
        "Chine, en reprenant les travaux du gazoduc vers l’Afghanistan, le Pakistan et l’Inde.",
        "paragraphs": [
            "Le Turkménistan dispose de l’une des plus grandes réserves de gaz naturel au monde, mais reste "
            "dépendant d’un seul grand client.",
            "Le tracé du gazoduc traverse des régions afghanes instables, ce qui a longtemps découragé les "
            "investisseurs. Les autorités turkmènes affirment avoir obtenu des garanties de sécurité.",
        ],
        "tags": ["Turkménistan", "gaz", "énergie"],
        "dateline": "Achgabat",
        "authors": [],
        "byline": "",
        "publish_at": paris(2023, 10, 17, 15, 10),
    },
    {
        "slug": "mer-d-aral-recul-asie-centrale",
        "section": "asie-centrale",
        "kicker": "Environnement",
        "headline": "Mer d’Aral : les pays riverains misent sur la reforestation",
        "standfirst": "Sur l’ancien fond de la mer asséchée, le Kazakhstan et l’Ouzbékistan plantent des "
        "saxaouls pour fixer le sable et limiter les tempêtes de sel.",
        "paragraphs": [
            "Là où naviguaient autrefois des chalutiers s’étend aujourd’hui le désert de l’Aralkoum. Les vents "
            "y soulèvent chaque année des millions de tonnes de poussière salée.",
            "Au nord, la digue de Kokaral a permis à la « petite Aral » kazakhe de remonter et aux pêcheurs de "
            "revenir. Au sud, la partie ouzbèke reste très largement asséchée.",
        ],
        "tags": ["environnement", "eau", "Kazakhstan", "Ouzbékistan"],
        "dateline": "Noukous",
        "authors": ["aigerim-nurlanovna"],
        "byline": "",
        "publish_at": paris(2023, 10, 18, 9, 0),
    },
    {
        "slug": "bruxelles-route-transcaspienne",
        "section": "europe",
        "kicker": "",
        "headline": "Bruxelles veut accélérer la route transcaspienne",
        "standfirst": "L’Union européenne promet des investissements dans les ports et les voies ferrées d’Asie "
        "centrale pour relier l’Europe à la Chine sans passer par la Russie.",
        "paragraphs": [
            "Le « corridor médian » relie la Chine à l’Europe par le Kazakhstan, la mer Caspienne, l’Azerbaïdjan "
            "et la Géorgie. Son trafic a fortement augmenté depuis 2022.",
            "Les transporteurs se plaignent toutefois de délais imprévisibles aux ports d’Aktaou et de Bakou, "
            "où les capacités de transbordement restent limitées.",
        ],
        "tags": ["Union européenne", "transport", "coopération"],
        "dateline": "Bruxelles",
        "authors": ["aigerim-nurlanovna"],
        "byline": "",
        "publish_at": paris(2023, 10, 18, 16, 40),
    },
    {
        "slug": "astana-forum-matieres-premieres-critiques",
        "section": "kazakhstan",
        "kicker": "",
        "headline": "Astana accueille un forum sur les matières premières critiques",
        "standfirst": "Industriels européens et asiatiques se pressent à Astana, où le Kazakhstan présente ses "
        "gisements de terres rares, de tungstène et d’uranium.",
        "paragraphs": [
            "Le pays veut attirer des investisseurs capables de transformer les minerais sur place plutôt que "
            "de les exporter bruts.",
            "Plusieurs entreprises françaises sont présentes, dans le sillage des accords signés à Paris sur les "
            "matières premières critiques.",
        ],
        "tags": ["Kazakhstan", "énergie", "coopération", "France"],
        "dateline": "Astana",
        "authors": ["aigerim-nurlanovna"],
        "byline": "",
        "publish_at": paris(2023, 10, 19, 11, 15),
    },
    {
        "slug": "tachkent-bourses-etudiants-francophones",
        "section": "ouzbekistan",
        "kicker": "",
        "headline": "Tachkent lance des bourses pour les étudiants francophones",
        "standfirst": "Un nouveau programme doit permettre à une centaine d’étudiants ouzbeks de poursuivre "
        "leurs études en France chaque année.",
        "paragraphs": [
            "Le français, longtemps éclipsé par l’anglais et le russe, retrouve des couleurs dans les "
            "universités de Tachkent et de Samarcande.",
            "Les filières d’ingénierie et de médecine sont les plus demandées, selon le ministère ouzbek de "
            "l’Enseignement supérieur.",
        ],
        "tags": ["Ouzbékistan", "éducation", "France"],
        "dateline": "Tachkent",
        "authors": ["timour-rakhimov"],
        "byline": "",
        "publish_at": paris(2023, 10, 19, 17, 0),
    },
]

AFP_STORY = {
    "slug": "emmanuel-macron-attendu-debut-novembre-au-kazakhstan",
    "headline": "Emmanuel Macron attendu début novembre au Kazakhstan",
    "section": "kazakhstan",
    "dateline": "Astana",
    "publish_at": paris(2023, 10, 19, 14, 5),
}
INHOUSE_STORY = {
    # slugify() would drop the « œ » of « cœur »: the slug is written out.
    "slug": "la-france-au-coeur-de-la-strategie-kazakhe",
    "section": "kazakhstan",
    "dateline": "",
    "credit": "avec AFP",
    "authors": ["aigerim-nurlanovna"],
    "publish_at": paris(2023, 10, 20, 9, 30),
}

# Demo photographs: drawn by articles/demo/make_photos.py (© Newsroom, CC0 1.0). Their files carry EXIF
# with a GPS position on purpose; load_demo uploads them through the library, which strips it.
PHOTOS_DIR = Path(__file__).resolve().parent / "photos"
# file: (caption, credit, alt text, focal point x %, y %)
PHOTOS = {
    "montagnes-issyk-koul.jpg": (
        "Les monts Tian Shan au-dessus du lac Issyk-Koul (image de synthèse).",
        "Newsroom (illustration)",
        "Des crêtes bleutées au-dessus d’un lac, une rive verte au premier plan",
        50,
        45,
    ),
    "steppe-yourtes.jpg": (
        "Des yourtes d’éleveurs sur les pâturages d’été (image de synthèse).",
        "Newsroom (illustration)",
        "Cinq yourtes blanches dans une steppe dorée sous un ciel clair",
        45,
        75,
    ),
    "registan-samarcande.jpg": (
        "Les trois madrasas du Registan à Samarcande (image de synthèse).",
        "Newsroom (illustration)",
        "Trois bâtiments ocre à coupoles turquoise au coucher du soleil",
        50,
        40,
    ),
    "desert-gazoduc.jpg": (
        "Un gazoduc à travers le désert du Karakoum (image de synthèse).",
        "Newsroom (illustration)",
        "Des dunes ocre traversées par une conduite grise",
        50,
        65,
    ),
    "barrage-rogoun.jpg": (
        "Le chantier du barrage de Rogoun sur le Vakhch (image de synthèse).",
        "Newsroom (illustration)",
        "Un mur de béton entre deux versants rocheux, une retenue d’eau au pied",
        50,
        50,
    ),
}
# Article slug → (featured photo, [body photos]).
ARTICLE_PHOTOS = {
    "la-france-au-coeur-de-la-strategie-kazakhe": (
        "montagnes-issyk-koul.jpg",
        ["steppe-yourtes.jpg", "desert-gazoduc.jpg"],
    ),
    "emmanuel-macron-attendu-debut-novembre-au-kazakhstan": ("steppe-yourtes.jpg", []),
    "samarcande-registan-nouveaux-visiteurs": ("registan-samarcande.jpg", []),
    "kirghizistan-eleveurs-paturages": ("steppe-yourtes.jpg", ["montagnes-issyk-koul.jpg"]),
    "tadjikistan-barrage-rogoun-nouvelle-etape": ("barrage-rogoun.jpg", []),
    "turkmenistan-gazoduc-tapi": ("desert-gazoduc.jpg", []),
}


def with_body_photos(body, figures):
    """`body` with one <figure> inserted after every second paragraph, as the editor would place them."""
    if not figures:
        return body
    parts = body.split("</p>")
    out, queue = [], list(figures)
    for index, part in enumerate(parts):
        out.append(part)
        if index < len(parts) - 1:
            out.append("</p>")
            if queue and index % 2 == 1:
                out.append(queue.pop(0))
    return "".join(out) + "".join(queue)
