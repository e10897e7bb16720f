"""Build NewsML-G2 messages for tests and the benchmark, shaped like the AFP samples in newsml/."""

from html import escape
from pathlib import Path

SAMPLES = Path(__file__).parent / "newsml"

PARAGRAPHS = (
    "Le gouvernement a annoncé mardi un plan d’investissement dans les infrastructures de la région.",
    "« Nous voulons relier nos villes et nos voisins », a déclaré le ministre lors d’une conférence de presse.",
    "Les experts interrogés par l’AFP saluent l’ambition du projet mais s’interrogent sur son financement.",
)


def news_item(
    *,
    guid="urn:newsml:afp.com:20240101:TX-TEST-0001",
    version=1,
    headline="Dépêche de test",
    slugline="",
    pub_status="stat:usable",
    item_class="ninat:text",
    signals=(),
    ed_note="",
    embargoed="",
    first_created="2024-01-01T08:00:00Z",
    version_created=None,
    country="KZ",
    subjects=(("medtop:11000000", "politique"),),
    keywords=("test",),
    paragraphs=PARAGRAPHS,
    description="",
    extra_meta="",
):
    """One newsItem element as XML text (no XML declaration)."""
    version_created = version_created or first_created
    signal_xml = "".join(f'<signal qcode="{s}"/>' for s in signals)
    subject_xml = "".join(
        f'<subject type="cpnat:abstract" qcode="{q}"><name xml:lang="fr">{escape(n)}</name></subject>'
        for q, n in subjects
    )
    if country:
        subject_xml += (
            f'<subject type="cpnat:geoArea" qcode="iso3166-1a2:{country}">'
            f'<name xml:lang="fr">{country}</name></subject>'
        )
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<newsItem guid="{escape(guid)}" version="{version}" standard="NewsML-G2" xml:lang="fr">
  <itemMeta>
    <itemClass qcode="{item_class}"/>
    <provider qcode="nprov:AFP"/>
    <versionCreated>{version_created}</versionCreated>
    <firstCreated>{first_created}</firstCreated>
    {f"<embargoed>{embargoed}</embargoed>" if embargoed else ""}
    <pubStatus qcode="{pub_status}"/>
    {f"<edNote>{escape(ed_note)}</edNote>" if ed_note else ""}
    {signal_xml}{extra_meta}
  </itemMeta>
  <contentMeta>
    <located type="cptype:city"><name xml:lang="fr">Astana</name></located>
    {subject_xml}
    {"".join(f"<keyword>{escape(k)}</keyword>" for k in keywords)}
    <language tag="fr"/>
    {f"<slugline>{escape(slugline)}</slugline>" if slugline else ""}
    <headline>{escape(headline)}</headline>
    <dateline>Astana, 1 jan 2024 (AFP)</dateline>
    <creditline>AFP</creditline>
    {f'<description role="drol:summary">{escape(description)}</description>' if description else ""}
  </contentMeta>
  <contentSet>
    <inlineXML contenttype="application/xhtml+xml">
      <html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title></head><body>{body}</body></html>
    </inlineXML>
  </contentSet>
</newsItem>"""


def news_message(*items):
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><header><sent>2024-01-01T08:00:00Z</sent></header>'
        f"<itemSet>{''.join(items)}</itemSet></newsMessage>"
    ).encode()


def write(path, *items):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(news_message(*items))
    return path
