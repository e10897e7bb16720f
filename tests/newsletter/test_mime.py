"""Hand-serialised messages decode to exactly what was rendered."""

import email
import email.policy

import pytest
from django.core import mail

from newsletter.mime import EncodedBody, NewsletterEmail, build, qp

TEXT = (
    "Ligne accentuée : l’été à Almaty — « guillemets ».\n"
    ".Une ligne qui commence par un point\n"
    "Espace en fin de ligne   \n" + "très longue ligne " * 20 + "\nLIEN:__A__ et __B__ puis __A__ encore\n"
    "=signe égal= et tabulation\tfin"
)


def decode(data):
    return email.message_from_bytes(data, policy=email.policy.default)


def test_encoded_body_with_slots_decodes_to_the_substituted_text():
    body = EncodedBody(TEXT, ("__A__", "__B__"))
    a, b = "https://www.example.org/newsletter/desinscription/" + "x" * 90 + "/", "https://ex.org/p/"
    data = build(
        from_header="Rédaction <n@example.org>",
        to=["lecteur@exämple.fr"],
        subject="Objet accentué — « test »",
        headers={"List-Unsubscribe": f"<{a}>"},
        parts=[("text/plain", body.fill({"__A__": qp(a), "__B__": qp(b)}))],
    )
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    body_lines = data.split(b"\r\n\r\n", 1)[1].split(b"\r\n")
    assert all(len(line) <= 76 for line in body_lines)
    message = decode(data)
    assert message["Subject"] == "Objet accentué — « test »"
    assert message["To"] == "lecteur@xn--exmple-cua.fr"
    assert message["List-Unsubscribe"] == f"<{a}>"
    expected = TEXT.replace("__A__", a).replace("__B__", b)
    assert message.get_body().get_content().replace("\r\n", "\n") == expected


@pytest.mark.parametrize("header", ["Subject", "To"])
def test_line_breaks_in_headers_are_refused(header):
    fields = {"subject": "ok", "to": ["a@example.org"]}
    if header == "Subject":
        fields["subject"] = "ok\r\nBcc: x@example.org"
    else:
        fields["to"] = ["a@example.org\r\nBcc: x@example.org"]
    with pytest.raises(ValueError):
        NewsletterEmail(body="x", from_email="n@example.org", **fields).message()


def test_newsletter_email_goes_through_ordinary_backends():
    message = NewsletterEmail("Sujet", "texte", "Newsroom <n@example.org>", ["a@example.org"])
    message.attach_alternative("<p>html</p>", "text/html")
    message.send()
    parsed = decode(mail.outbox[0].message().as_bytes())
    assert parsed.get_body(("plain",)).get_content().strip() == "texte"
    assert parsed.get_body(("html",)).get_content().strip() == "<p>html</p>"
    assert parsed["From"] == "Newsroom <n@example.org>"
