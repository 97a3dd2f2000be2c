"""The email's colours and type, derived from the three brand colours in [email].

The editor picks an accent, a page background and a text colour; every other
shade (masthead, muted text, rules, the sponsor box, the whole dark scheme) is
mixed from those. Each text colour is then nudged towards black or white until
it reads at WCAG AA (4.5:1) on every background it sits on, so a light brand
colour still gives readable links and buttons. The backgrounds keep the brand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gazette.config import Settings
from gazette.errors import ConfigError

AA = 4.5
_HEX = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
# Font names with spaces, commas and quotes; nothing that could end an HTML
# attribute or a CSS declaration (the MJML port writes attributes unescaped).
_FONT_FAMILY = re.compile(r"[A-Za-z0-9 ,'\-_.]+")
WHITE = "#ffffff"
BLACK = "#000000"
_DARK_BASE = "#16141b"


@dataclass(frozen=True)
class Theme:
    """Colours as #rrggbb; the ``dark_*`` ones are the prefers-color-scheme: dark set."""

    font: str
    logo_url: str
    page: str
    card: str
    ink: str
    muted: str
    accent: str  # links and labels on the card
    button: str
    on_button: str
    rule: str
    masthead: str
    on_masthead: str
    masthead_muted: str
    sponsor_bg: str
    sponsor_rule: str
    footer: str  # footer text on the page background
    dark_page: str
    dark_card: str
    dark_ink: str
    dark_muted: str
    dark_accent: str
    dark_button: str
    dark_on_button: str
    dark_rule: str
    dark_masthead: str
    dark_masthead_muted: str
    dark_sponsor_bg: str
    dark_sponsor_rule: str


def email_theme(settings: Settings, logo_url: str = "") -> Theme:
    """The theme for ``settings``; a colour or font that is not usable is a ConfigError."""
    email = settings.email
    origin = settings.origin
    accent = _color(email.accent_color, "accent_color", origin)
    page = _color(email.background_color, "background_color", origin)
    text = _color(email.text_color, "text_color", origin)
    font = email.font_family.strip()
    if not _FONT_FAMILY.fullmatch(font):
        raise ConfigError(
            f"{origin}: [email] font_family may hold font names, spaces, commas and single "
            f"quotes only, got {email.font_family!r}"
        )

    card = WHITE
    ink = readable(text, card, page)
    sponsor_bg = mix(card, accent, 0.08)
    link = readable(accent, card, sponsor_bg)
    if contrast(accent, WHITE) >= AA:
        button, on_button = accent, WHITE
    elif contrast(accent, ink) >= AA:
        button, on_button = accent, ink
    else:
        button, on_button = link, WHITE
    masthead = accent
    while contrast(masthead, WHITE) < 9 and masthead != BLACK:
        masthead = mix(masthead, BLACK, 0.1)
    masthead_muted = readable(mix(masthead, WHITE, 0.82), masthead)

    dark_page = mix(_DARK_BASE, accent, 0.04)
    dark_card = mix("#201d27", accent, 0.06)
    dark_sponsor_bg = mix(dark_card, accent, 0.14)
    dark_masthead = mix("#120f18", accent, 0.3)
    dark_ink = readable(mix("#efecf4", accent, 0.04), dark_card, dark_page, dark_masthead)
    dark_accent = readable(mix(accent, WHITE, 0.45), dark_card, dark_sponsor_bg, dark_page)
    return Theme(
        font=font,
        logo_url=logo_url,
        page=page,
        card=card,
        ink=ink,
        muted=readable(mix(mix(ink, accent, 0.2), card, 0.25), card, page, sponsor_bg),
        accent=link,
        button=button,
        on_button=on_button,
        rule=mix(ink, card, 0.88),
        masthead=masthead,
        on_masthead=WHITE,
        masthead_muted=masthead_muted,
        sponsor_bg=sponsor_bg,
        sponsor_rule=mix(accent, card, 0.7),
        footer=readable(mix(mix(ink, accent, 0.2), page, 0.25), page),
        dark_page=dark_page,
        dark_card=dark_card,
        dark_ink=dark_ink,
        dark_muted=readable(mix(dark_ink, dark_card, 0.3), dark_card, dark_page),
        dark_accent=dark_accent,
        dark_button=dark_accent,
        dark_on_button=readable(dark_page, dark_accent),
        dark_rule=mix(dark_ink, dark_card, 0.82),
        dark_masthead=dark_masthead,
        dark_masthead_muted=readable(mix(dark_ink, dark_masthead, 0.15), dark_masthead),
        dark_sponsor_bg=dark_sponsor_bg,
        dark_sponsor_rule=mix(dark_accent, dark_card, 0.65),
    )


def _color(value: str, key: str, origin: str) -> str:
    value = value.strip()
    if not _HEX.fullmatch(value):
        raise ConfigError(
            f"{origin}: [email] {key} must be a hex colour like #6b3fa0, got {value!r}"
        )
    digits = value[1:].lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return f"#{digits}"


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def mix(color: str, other: str, amount: float) -> str:
    """``color`` moved ``amount`` (0..1) of the way towards ``other``."""
    a, b = _rgb(color), _rgb(other)
    r, g, bl = (round(x + (y - x) * amount) for x, y in zip(a, b, strict=True))
    return f"#{r:02x}{g:02x}{bl:02x}"


def luminance(color: str) -> float:
    """Relative luminance as WCAG 2 defines it."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable(color: str, *backgrounds: str, target: float = AA) -> str:
    """``color``, darkened or lightened in small steps until it reaches ``target``
    against every one of ``backgrounds``; black or white at worst."""
    # Towards whichever end the backgrounds are furthest from.
    darkest = min(luminance(b) for b in backgrounds)
    end = BLACK if darkest > 0.18 else WHITE
    current = color
    for step in range(1, 21):
        if all(contrast(current, b) >= target for b in backgrounds):
            return current
        current = mix(color, end, step / 20)
    return end
