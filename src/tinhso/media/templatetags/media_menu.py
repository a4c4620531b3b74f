"""The module's menu asks who the user is: ``{% load media_menu %}{% if request.user|keeps_spokespeople %}``."""

from django import template

from tinhso.media import selectors

register = template.Library()


@register.filter
def keeps_spokespeople(user) -> bool:
    return selectors.keeps_spokespeople(user)
