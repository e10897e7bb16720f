"""French typography at display time; the stored text is never changed.

The rule (documented in docs/site.md, « Typographie »):
- narrow no-break space (U+202F, « espace fine insécable ») before ; ! ? and inside « » — an existing
  space is replaced; a missing one is added only inside guillemets (« texte » never breaks there);
- no-break space (U+00A0) before : (French uses a full-width space there), between a number (or an
  ordinal) and the word, unit or sign after it (« 100 MW », « 238 morts », « 50 % », « 2e tour »);
- narrow no-break space between thousands groups (« 1 200 km », as Django's French locale formats them);
- ordinal superscripts where unambiguous: 1er, 1re, 2e, 3es, and Roman XIXe, IIe, Ve, Ier (HTML only).

Only text is touched: tags, attributes (so URLs in href/src), comments, entities and the contents of
code/pre/script/style elements are kept byte for byte, as are URLs and email addresses written in the
text. Applying the rules twice gives the same result.
"""

import functools
import re

from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

NBSP = "\u00a0"
NNBSP = "\u202f"

# A space as it may appear in text or sanitised HTML.
_SPACE = r"(?:[ \u00a0\u202f]|&nbsp;|&#160;|&#[xX]a0;|&#8239;|&#[xX]202[fF];)"
_OPEN = r"(?:«|&laquo;|&#171;)"
_CLOSE = r"(?:»|&raquo;|&#187;)"
_ORDINAL = r"(?:er|re|ers|res|es|e)"
_ROMAN = r"(?:[IVXLC]{2,}|[IV])"

_TEXT_RULES = [
    (re.compile(rf"{_SPACE}+(?=[;!?])"), NNBSP),
    (re.compile(rf"{_SPACE}+(?=:)"), NBSP),
    (re.compile(rf"({_OPEN}){_SPACE}*"), rf"\1{NNBSP}"),
    (re.compile(rf"{_SPACE}*({_CLOSE})"), rf"{NNBSP}\1"),
]
_THOUSANDS = re.compile(rf"(?<![\d.,])\d{{1,3}}(?:{_SPACE}\d{{3}})+(?![\d])")
_THOUSANDS_SEP = re.compile(_SPACE)
_NUMBER_WORD = re.compile(rf"(?<![\w.,])(\d+(?:[.,]\d+)?{_ORDINAL}?){_SPACE}+(?=[^\W\d_]|[%‰€$£°])")
_SUPERSCRIPT = re.compile(rf"(?<![\w&#])(\d+|{_ROMAN})({_ORDINAL})(?![\w])")
# Written-out URLs and email addresses, kept as they are.
_PROTECTED = re.compile(r"((?:https?://|www\.)\S+|\S+@\S+\.\S+)")
# Tokens of sanitised HTML: comments and tags, everything else is text.
_MARKUP = re.compile(r"(<!--.*?-->|<[^>]*>)", re.DOTALL)
_RAW_ELEMENTS = re.compile(r"<(/?)(code|pre|script|style|kbd|samp|textarea)\b", re.IGNORECASE)


def _spaces(text, *, superscripts):
    out = []
    for n, part in enumerate(_PROTECTED.split(text)):
        if n % 2:
            out.append(part)
            continue
        for pattern, replacement in _TEXT_RULES:
            part = pattern.sub(replacement, part)
        part = _THOUSANDS.sub(lambda m: _THOUSANDS_SEP.sub(NNBSP, m.group()), part)
        part = _NUMBER_WORD.sub(rf"\1{NBSP}", part)
        if superscripts:
            part = _SUPERSCRIPT.sub(r"\1<sup>\2</sup>", part)
        out.append(part)
    return "".join(out)


def french_text(text):
    """Plain text in, plain text out (titles, attributes, feed titles, email subjects): spaces only."""
    return _french_text(str(text)) if text else text


def french_html(html):
    """HTML in, HTML out: the rules on text nodes only, with ordinal superscripts."""
    html = str(html)
    return _french_html(html) if len(html) <= CACHED_LENGTH else _french_html.__wrapped__(html)


# Pure functions of their text, called for every headline and standfirst of every listing: the same
# strings come back on every page build, so each process keeps the latest results (a home page's 41
# teasers spent ~2 ms in these regular expressions). Bounded: at most 2 048 strings of each kind, and
# HTML longer than CACHED_LENGTH (a story's body, typeset once per page build) is not kept.
CACHED_LENGTH = 4096


@functools.lru_cache(maxsize=2048)
def _french_text(text):
    return _spaces(text, superscripts=False)


@functools.lru_cache(maxsize=2048)
def _french_html(html):
    out, raw_depth = [], 0
    for n, token in enumerate(_MARKUP.split(html)):
        if n % 2:
            raw = _RAW_ELEMENTS.match(token)
            if raw and not token.endswith("/>"):
                raw_depth = max(0, raw_depth + (-1 if raw.group(1) else 1))
            out.append(token)
        else:
            out.append(token if raw_depth else _spaces(token, superscripts=True))
    return "".join(out)


def typeset(value):
    """Template-facing: HTML-safe values (a sanitised body) are typeset as HTML; plain text is escaped first."""
    if value is None or value == "":
        return ""
    html = value if isinstance(value, SafeData) else conditional_escape(value)
    # Safe: the input was safe HTML or has just been escaped, and only spaces and <sup> are added.
    return mark_safe(french_html(html))  # noqa: S308
