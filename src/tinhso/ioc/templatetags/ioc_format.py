"""Numbers as Vietnamese readers write them: a non-breaking space between thousands, a comma for decimals."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def num(value, places: int = 2) -> str:
    if value is None or value == "":
        return "—"
    number = Decimal(value)
    text = f"{number:,.{int(places)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\u00a0").replace(".", ",")
