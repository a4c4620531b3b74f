"""Numbers as the reader writes them: in Vietnamese a non-breaking space between thousands and a comma for
decimals (4 452; 87,87); in English a comma between thousands and a point for decimals (4,452; 87.87)."""

from decimal import Decimal

from django import template
from django.utils import translation

register = template.Library()


@register.filter
def num(value, places: int = 2) -> str:
    """At most ``places`` decimals, trailing zeros dropped (a count reads 12, a rate 33,33)."""
    return _written(value, places, strip=True)


@register.filter
def fixed(value, places: int = 1) -> str:
    """Exactly ``places`` decimals, so that a column of rates reads alike (100,0 beside 93,1)."""
    return _written(value, places, strip=False)


def _written(value, places, strip: bool) -> str:
    if value is None or value == "":
        return "—"
    number = Decimal(value)
    text = f"{number:,.{int(places)}f}"
    if strip and "." in text:
        text = text.rstrip("0").rstrip(".")
    if (translation.get_language() or "vi").startswith("en"):
        return text
    return text.replace(",", "\u00a0").replace(".", ",")
