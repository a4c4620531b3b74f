"""Password sign-in with a user name, an e-mail address or a phone number, on the one sign-in page."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from tinhso.common import statements
from tinhso.portal.accounts.selectors import users_signing_in_as

_USER_BY_KEY: list[statements.RowQuery] = []


def _user_by_key() -> statements.RowQuery:
    """The signed-in user's row by key: one prebuilt statement (every signed-in page reads it)."""
    if not _USER_BY_KEY:
        _USER_BY_KEY.append(statements.RowQuery(get_user_model()))
    return _USER_BY_KEY[0]


class IdentifierBackend(ModelBackend):
    """Django's model backend, looking the account up by whichever identifier the person typed.

    An unknown identifier still costs one password hash, so the answer takes as long as for a wrong
    password (no account enumeration by timing). Inactive accounts (not yet verified) cannot sign in.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        candidates = users_signing_in_as(username)
        if len(candidates) != 1:
            get_user_model()().set_password(password)
            return None
        user = candidates[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """As :class:`ModelBackend`: the active account of ``user_id`` (already the key's type), or None."""
        user = _user_by_key().get(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

