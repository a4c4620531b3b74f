"""Numbers as the reader writes them: in Vietnamese a non-breaking space between thousands and a comma for
decimals (4 452; 87,87); in English a comma between thousands and a point for decimals (4,452; 87.87)."""

from decimal import Decimal

from django import template
from django.utils import translation

register = template.Library()


@register.filter
def num(value, places: int = 2) -> str:
    if value is None or value == "":
        return "—"
    number = Decimal(value)
    text = f"{number:,.{int(places)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if (translation.get_language() or "vi").startswith("en"):
        return text
    return text.replace(",", "\u00a0").replace(".", ",")
