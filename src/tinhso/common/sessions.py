"""The database session store, read through one prebuilt statement.

Every signed-in page reads its session row first; Django's store builds that query through the ORM on each
request. This store reads the same row by its key with :class:`common.statements.RowQuery` and leaves an
expired row out as Django does (``expire_date`` in the past: no session, the key forgotten). Everything
else — saving, cycling keys, clearing expired rows — is Django's own. ``SESSION_ENGINE`` names this module.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from tinhso.common import statements

_BY_KEY = statements.RowQuery(Session, by=("session_key",))


class SessionStore(DatabaseStore):
    def _get_session_from_db(self):
        key = self.session_key
        row = _BY_KEY.get(key) if key else None
        if row is None or row.expire_date <= timezone.now():
            self._session_key = None
            return None
        return row
