"""The page header: the menu marks the page one is on and speaks the language chosen, and the language list has
the language in force chosen — the same on every page view, however often the header is drawn."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tinhso.common import navigation
from tinhso.common.navigation import MenuEntry
from tinhso.common.templatetags import header
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_menus():
    navigation._kept.clear()


@pytest.fixture
def officer(client):
    user = UserFactory()
    MembershipFactory(user=user, agency=AgencyFactory(), role=Role.RECEIVER)
    client.force_login(user)
    return user


def _nav(html: str) -> str:
    return re.search(r'<ul class="nav">(.*?)</ul>', html, re.S).group(1)


def _current(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" aria-current="page">', _nav(html))


def test_the_menu_marks_the_page_one_is_on_and_only_that_one(client, officer):
    desk, tasks = reverse("dossiers:desk"), reverse("directives:register")
    page = client.get(desk).content.decode()
    assert _current(page) == [desk]
    assert f'<a href="{tasks}">Nhiệm vụ được giao</a>' in _nav(page)
    page = client.get(tasks).content.decode()
    assert _current(page) == [tasks]
    assert f'<a href="{desk}">Hồ sơ một cửa</a>' in _nav(page)


def test_the_menu_and_the_language_list_follow_the_language_chosen(client, officer):
    desk = reverse("dossiers:desk")
    page = client.get(desk).content.decode()
    assert '<option value="vi" selected>' in page
    assert '<option value="en">' in page
    assert "One-stop dossiers" not in page
    switched = client.post(reverse("set_language"), {"language": "en", "next": desk})
    assert switched.status_code == 302
    page = client.get(desk).content.decode()
    assert '<option value="en" selected>' in page
    assert '<option value="vi">' in page
    assert f'<a href="{desk}" aria-current="page">One-stop dossiers</a>' in _nav(page)
    assert "Assigned tasks" in _nav(page)
    client.post(reverse("set_language"), {"language": "vi", "next": desk})
    page = client.get(desk).content.decode()
    assert f'<a href="{desk}" aria-current="page">Hồ sơ một cửa</a>' in _nav(page)


def test_the_header_escapes_what_it_draws(rf):
    request = rf.get('/a"b/')
    entries = [MenuEntry(label='<b>"x"</b>', url_name="staff-home", visible=lambda user: True, order=0)]
    html = header.header_menu({"request": request}, entries)
    assert "<b>" not in html
    assert "&lt;b&gt;&quot;x&quot;&lt;/b&gt;" in html


def test_the_menu_is_kept_per_current_entry_not_per_address(rf):
    entries = [MenuEntry(label="Trang làm việc", url_name="staff-home", visible=lambda user: True, order=0)]
    header._menu_html.cache_clear()
    for number in range(5):  # five pages that are not in the menu: one drawing kept for all of them
        html = header.header_menu({"request": rf.get(f"/ho-so/{number}/")}, entries)
        assert "aria-current" not in html
    assert header._menu_html.cache_info().currsize == 1
    html = header.header_menu({"request": rf.get(entries[0].url)}, entries)
    assert 'aria-current="page"' in html and header._menu_html.cache_info().currsize == 2
