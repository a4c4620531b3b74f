"""Single-row writes built from a model instance, to be sent together with others in one statement.

A dossier transition writes a handful of rows; sent one by one, each is a round trip and a pass through the
ORM's SQL compiler. :func:`insert` and :func:`update` turn an instance into ``(sql, params)`` with the same
field preparation as ``Model.save`` (``pre_save`` of each field, ``get_db_prep_save``) but a statement text
built once per model and field list; :func:`tinhso.common.audit.record` runs them with the audit entry in
one ``WITH …`` statement on PostgreSQL (``together=``), and :func:`run` runs a list of them as one statement.
:func:`saved` then does what ``Model.save`` would have done after the write (state, ``post_save``).
:func:`insert_rows` and :func:`update_rows` write the same columns of thousands of rows with one statement
text and every row's values sent at once, without a model instance per row (``bulk_update`` would also build
a ``CASE WHEN`` expression per row and field).
"""

# Statements are assembled from the models' own table and column names; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime
import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, router
from django.db.models.signals import post_save, pre_save
from psycopg import pq

# -- statements prepared once per connection ---------------------------------------------------------------

# A transition's statements are few and always the same texts, and PostgreSQL spent much of each one's time
# planning it (the dossier's lock joins six tables: 0.46 ms of planning for 0.14 ms of execution; a combined
# write about 0.2 ms of its 0.7 ms).
# :func:`execute` prepares such a text once per connection (``PREPARE``) and then runs it by name (``EXECUTE``),
# its values still bound on the client: the plan is kept for the connection's life. Prepared statements are
# not transactional, so a rollback keeps them. A text PostgreSQL cannot prepare on its own (a value whose type
# nothing in the statement says) runs as it is. Off when the database says ``PREPARED_STATEMENTS: False``
# (PgBouncer in transaction mode, where the next transaction may run on another server connection).
PREPARED_PER_CONNECTION = 100  # each kept plan holds server memory in every connection
_PLACEHOLDER = re.compile(r"%([s%])")
_unpreparable: set[str] = set()
_by_name: dict[str, str] = {}
_EXECUTED = re.compile(r"\s*(?:BEGIN[^;]*;\s*)?EXECUTE\s+(tinhso_\w+)")


def _numbered(sql: str) -> str:
    """``sql`` with its ``%s`` placeholders as ``$1``, ``$2``… and ``%%`` as ``%``."""
    count = 0

    def replace(match: re.Match) -> str:
        nonlocal count
        if match.group(1) == "%":
            return "%"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(replace, sql)


def prepared_name(db, sql: str) -> str | None:
    """The name ``sql`` is prepared under on ``db``'s open connection, preparing it the first time (and letting
    go of the statement used least lately when the connection holds its share); ``None`` when it is run as it
    is (not PostgreSQL, switched off, or not preparable)."""
    if (db.vendor != "postgresql" or sql in _unpreparable or PREPARED_PER_CONNECTION <= 0
            or not db.settings_dict.get("PREPARED_STATEMENTS", True) or db.connection is None
            or db.settings_dict.get("OPTIONS", {}).get("server_side_binding")):
        return None
    raw = db.connection
    known = raw.__dict__.get("_tinhso_prepared")  # text → name, the one used last at the end
    if known is None:
        known = raw.__dict__["_tinhso_prepared"] = OrderedDict()
    name = known.get(sql)
    if name is not None:
        known.move_to_end(sql)
        return name
    kind = re.match(r"\s*(\w+)", sql)
    digest = hashlib.blake2b(sql.encode(), digest_size=10).hexdigest()
    name = f"tinhso_{kind.group(1).lower() if kind else 'q'}_{digest}"
    commands = []
    while len(known) >= PREPARED_PER_CONNECTION:
        commands.append(f"DEALLOCATE {known.popitem(last=False)[1]}")
    commands.append(f"PREPARE {name} AS {_numbered(sql)}")
    # On the driver's connection, not through Django's cursor: preparing is the connection's own business, not
    # a statement of the caller's (query logs and counts show the ``EXECUTE`` alone, whatever ran before), and
    # one round trip. Inside a transaction a savepoint keeps a refused PREPARE from aborting the caller's work.
    import psycopg

    inside = not db.get_autocommit()
    if inside:
        commands = ["SAVEPOINT tinhso_prepare", *commands, "RELEASE SAVEPOINT tinhso_prepare"]
    try:
        raw.execute("; ".join(commands))
    except psycopg.Error:
        if inside:
            raw.execute("ROLLBACK TO SAVEPOINT tinhso_prepare; RELEASE SAVEPOINT tinhso_prepare")
        _unpreparable.add(sql)
        return None
    known[sql] = name
    _by_name[name] = sql
    return name


def original(sql: str) -> str:
    """The text a logged statement runs: for ``EXECUTE tinhso_…(…)``, the text prepared under that name (what a
    test or a profile reads to tell a statement's kind); any other statement as it is."""
    match = _EXECUTED.match(sql)
    return _by_name.get(match.group(1), sql) if match else sql


def execute(cursor, sql: str, params: list | tuple = ()) -> None:
    """``cursor.execute(sql, params)`` through the statement prepared for ``sql`` on the cursor's connection
    (:func:`prepared_name`), or as it is."""
    name = prepared_name(cursor.db, sql)
    if name is None:
        cursor.execute(sql, params)
    elif params:
        # The values as literals, as the driver would bind them, but without the driver parsing a text of
        # ``%s`` placeholders on every call (it keeps that parse only for up to 50 values; a combined write
        # has more).
        raw = cursor.db.connection
        binding = raw.__dict__.get("_tinhso_literal")
        if binding is None:
            from psycopg.adapt import Transformer

            binding = raw.__dict__["_tinhso_literal"] = (Transformer.from_context(raw).as_literal, raw.info.encoding)
        literal, encoding = binding
        values = b", ".join(b"NULL" if value is None else literal(value) for value in params)
        _send(cursor, f"EXECUTE {name}({values.decode(encoding)})")
    else:
        _send(cursor, f"EXECUTE {name}")


def _send(cursor, text: str) -> None:
    """``cursor.execute(text)``; when this statement opens the caller's transaction, the driver's ``BEGIN`` goes
    in the same round trip (``BEGIN; EXECUTE …``, one simple query) instead of one of its own before it.

    psycopg opens a transaction (outside autocommit) by sending ``BEGIN`` and waiting for its answer before the
    first statement: a round trip of its own, 4 % of a dossier transition, whose first statement is the lock.
    Here the driver's own ``BEGIN`` text (its isolation level and access mode included) is sent ahead of the
    statement while the driver is told, for that one call, that it need not open the transaction; the
    transaction it finds open afterwards is the one it would have opened. Its state is read only where the
    driver keeps it (psycopg 3's connection); anything else, or a pipeline, runs the statement as it is."""
    raw = cursor.db.connection
    state = raw.__dict__
    if (state.get("_autocommit") is not False or state.get("_pipeline") is not None
            or raw.pgconn.transaction_status != _IDLE or not hasattr(raw, "_get_tx_start_command")):
        cursor.execute(text)
        return
    begin = raw._get_tx_start_command().decode()
    state["_autocommit"] = True
    try:
        cursor.execute(f"{begin}; {text}")
    finally:
        state["_autocommit"] = False
    cursor.nextset()  # the statement's own result, after BEGIN's


_IDLE = pq.TransactionStatus.IDLE


def _wrapper():
    """The default connection's own wrapper rather than ``django.db.connection``, the proxy that looks the
    wrapper up on every attribute read."""
    return connections[DEFAULT_DB_ALIAS]


@dataclass
class Statement:
    sql: str
    params: list = field(default_factory=list)
    returning: bool = False  # the statement returns one row with the new primary key
    instance: models.Model | None = None  # the row inserted, given its primary key after the write


_texts: dict[tuple, str] = {}


def insert(instance: models.Model, *, with_key: bool = False) -> Statement:
    """``INSERT`` of a new row (an auto primary key; ``with_key``: the key the instance carries, a UUID),
    returning its key; ``pre_save`` is sent now."""
    model = type(instance)
    pre_save.send(sender=model, instance=instance, raw=False, using=connection.alias, update_fields=None)
    fields = [f for f in model._meta.concrete_fields if with_key or not f.primary_key]
    db = _wrapper()  # the connection itself: the fields ask it for its operations many times
    params = [f.get_db_prep_save(f.pre_save(instance, True), db) for f in fields]
    return Statement(_insert_text(model, fields, with_key), params, returning=True, instance=instance)


def _insert_text(model: type[models.Model], fields: list[models.Field], with_key: bool) -> str:
    key = ("insert", model._meta.db_table, with_key)
    if key not in _texts:
        quote = connection.ops.quote_name
        _texts[key] = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
                       f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(model._meta.pk.column)}")
    return _texts[key]


def insert_all(instances: list[models.Model]) -> None:
    """``INSERT`` of new rows of one model (an auto primary key each), given their keys in order, as
    ``bulk_create`` does (each field's ``pre_save``, no signals) but by a text built once per model: on
    PostgreSQL one statement reading each column's values from an array (``UNNEST``), prepared; elsewhere one
    ``INSERT`` per row."""
    if not instances:
        return
    model = type(instances[0])
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    db = _wrapper()  # the connection itself: the fields ask it for its operations many times
    rows = [[f.get_db_prep_save(f.pre_save(instance, True), db) for f in fields] for instance in instances]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            key = ("insert_all", meta.db_table)
            if key not in _texts:
                # each array typed by its column's type without its length (no value cut short on the way)
                arrays = ", ".join(f"(%s)::{f.db_type(connection).split('(')[0]}[]" for f in fields)
                _texts[key] = (f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT * FROM UNNEST({arrays}) "
                               f"RETURNING {quote(meta.pk.column)}")
            execute(cursor, _texts[key], [list(column) for column in zip(*rows, strict=True)])
            keys = [row[0] for row in cursor.fetchall()]
        else:
            sql = _insert_text(model, fields, False)
            keys = []
            for row in rows:
                cursor.execute(sql, row)
                keys.append(cursor.fetchone()[0])
    for instance, key in zip(instances, keys, strict=True):
        instance.pk = key
        instance._state.adding = False
        instance._state.db = connection.alias


def update(instance: models.Model, names: list[str]) -> Statement:
    """``UPDATE`` of ``names`` (field names or attnames) of a saved row."""
    model = type(instance)
    fields = [f for f in model._meta.concrete_fields if (f.attname in names or f.name in names) and not f.primary_key]
    key = ("update", model._meta.db_table, tuple(f.attname for f in fields))
    if key not in _texts:
        quote = connection.ops.quote_name
        sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        _texts[key] = f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {quote(model._meta.pk.column)} = %s"
    db = _wrapper()  # the connection itself: the fields ask it for its operations many times
    params = [f.get_db_prep_save(f.pre_save(instance, False), db) for f in fields]
    return Statement(_texts[key], [*params, instance.pk])


# Values the database takes as they are for a field of this kind: ``get_db_prep_save`` would give them back
# unchanged (a ``str`` for a text column, an ``int`` for an integer one…), so the rows skip the call.
_PLAIN = {"CharField": str, "TextField": str, "SlugField": str, "BooleanField": bool, "FloatField": float,
          **dict.fromkeys(["IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
                           "PositiveBigIntegerField", "PositiveSmallIntegerField", "AutoField", "BigAutoField",
                           "SmallAutoField"], int)}


def _plain_type(field: models.Field) -> type | None:
    kind = field.get_internal_type()
    if kind == "ForeignKey":
        return _plain_type(field.target_field)
    return _PLAIN.get(kind)


def _run_rows(sql: str, fields: list[models.Field], rows) -> int:
    database = connections[connection.alias]  # the connection itself, not the proxy, for every value
    prepare = [(f.get_db_prep_save, _plain_type(f)) for f in fields]
    params = [[v if v is None or type(v) is plain else p(v, database)
               for (p, plain), v in zip(prepare, row, strict=True)] for row in rows]
    with database.cursor() as cursor:
        cursor.executemany(sql, params)
        return max(cursor.rowcount, 0)


def insert_rows(model: type[models.Model], names: list[str], rows: list[tuple]) -> int:
    """``INSERT`` of many new rows, each given as the values of the fields ``names`` in order (the other
    columns take their database default or NULL; an auto primary key is made): one statement text run with
    every row's parameters, each value prepared as ``save`` prepares it. No keys come back and no signals are
    sent. Returns how many rows were written."""
    if not rows:
        return 0
    fields = [model._meta.get_field(name) for name in names]
    key = ("insert_rows", model._meta.db_table, tuple(f.column for f in fields))
    if key not in _texts:
        quote = connection.ops.quote_name
        _texts[key] = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
                       f"VALUES ({', '.join(['%s'] * len(fields))})")
    return _run_rows(_texts[key], fields, rows)


def update_rows(model: type[models.Model], names: list[str], rows: list[tuple], *, unset: str = "") -> int:
    """``UPDATE`` of the fields ``names`` of many rows, each row given as ``(value, …, primary key)``: one
    statement text run with every row's parameters (``executemany``; psycopg pipelines the rows to PostgreSQL,
    SQLite steps one prepared statement), each value prepared as ``save`` prepares it (``get_db_prep_save``).
    ``unset``: a field that must still be NULL for the row to change (a first write wins). No signals are
    sent. Returns how many rows changed."""
    if not rows:
        return 0
    fields = [model._meta.get_field(name) for name in names]
    key = ("update_rows", model._meta.db_table, tuple(f.column for f in fields), unset)
    if key not in _texts:
        quote = connection.ops.quote_name
        sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        condition = f" AND {quote(model._meta.get_field(unset).column)} IS NULL" if unset else ""
        _texts[key] = (f"UPDATE {quote(model._meta.db_table)} SET {sets} "
                       f"WHERE {quote(model._meta.pk.column)} = %s{condition}")
    return _run_rows(_texts[key], [*fields, model._meta.pk], rows)


def saved(statement: Statement, key) -> None:
    """After an :func:`insert` ran: the instance has its key and is saved; ``post_save`` is sent."""
    instance = statement.instance
    if instance is None:
        return
    instance.pk = key
    instance._state.adding = False
    instance._state.db = DEFAULT_DB_ALIAS  # the statements run on ``django.db.connection``, the default one
    post_save.send(sender=type(instance), instance=instance, created=True, update_fields=None, raw=False,
                   using=DEFAULT_DB_ALIAS)


def combined(statements: list[Statement], final: str) -> tuple[str, list]:
    """One PostgreSQL statement running ``statements`` as data-modifying ``WITH`` parts before ``final`` (a
    query that may read ``w0``, ``w1``… — the parts that return a key). Every part sees the same snapshot, so
    the parts must write different rows."""
    parts, params = [], []
    for i, statement in enumerate(statements):
        parts.append(f"w{i} AS ({statement.sql})")
        params += statement.params
    return (f"WITH {', '.join(parts)} {final}" if parts else final), params


_gathering = threading.local()


class gathered:
    """Within this block, :func:`run` called with ``later=True`` (the receivers that follow a write: rollups,
    the portal's outbox) keeps its statements, and the block's end runs all of them as one statement — one
    round trip for what several receivers add to a transition. An exception in the block runs nothing."""

    def __enter__(self):
        stack = _gathering.__dict__.setdefault("stack", [])
        stack.append([])
        return self

    def take(self) -> list[Statement]:
        """The statements kept so far, handed to the caller (who runs them with its own); the block keeps
        gathering what follows."""
        kept = _gathering.stack[-1]
        taken, kept[:] = list(kept), []
        return taken

    def __exit__(self, kind, value, traceback):
        kept = _gathering.stack.pop()
        if kind is None:
            run(kept)
        return False


def run(statements: list[Statement], *, later: bool = False) -> None:
    """Run the statements: as one statement on PostgreSQL, one after the other elsewhere. ``later``: inside a
    :class:`gathered` block, kept for its end (they must not be needed before it)."""
    if not statements:
        return
    stack = getattr(_gathering, "stack", None)
    if later and stack:
        stack[-1].extend(statements)
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(statements) > 1:
            returning = [i for i, s in enumerate(statements) if s.returning]
            final = f"SELECT {', '.join(f'(SELECT * FROM w{i})' for i in returning) or '1'}"
            sql, params = combined(statements, final)
            execute(cursor, sql, params)
            row = cursor.fetchone()
            for position, i in enumerate(returning):
                saved(statements[i], row[position])
            return
        for statement in statements:
            execute(cursor, statement.sql, statement.params)
            if statement.returning:
                saved(statement, cursor.fetchone()[0])


class RowQuery:
    """One row of ``model`` with the related rows along ``related`` paths (``"step"``, ``"step__agency"``),
    optionally locked (``FOR UPDATE OF`` the row itself on PostgreSQL): ``select_related(…).filter(pk=…)``
    with the SQL text and the column converters worked out once per database vendor instead of on every call.
    ``fields`` limits the row's own columns (``only(…)``; the key is always read); ``by`` names the fields the
    row is found by (the key by default), given to :meth:`get` in that order; :meth:`many` reads rows by a list
    of keys. A query that does not lock reads from the database the routers choose for reading the model (a
    replica inside ``replica_reads``). ``also`` maps attribute names to a function of the connection giving
    an SQL expression (or ``None`` where the database has none) that :meth:`get` reads with the row and sets on
    the instance under that name — a value the caller would otherwise fetch in a round trip of its own.
    ``defer`` names fields left out of the row and of its related rows (``"eform_data"``,
    ``"procedure_version__eform_schema"``): deferred on the instances as ``defer(…)`` leaves them (read by a
    query of their own if ever asked for), for the long texts and documents a caller does not need.
    Instances come out as the ORM makes them (``from_db``, converters, related objects cached)."""

    def __init__(self, model: type[models.Model], related: list[str] = (), *, lock: bool = False,
                 fields: tuple[str, ...] | None = None, by: tuple[str, ...] = ("pk",),
                 also: dict[str, Callable] | None = None, defer: tuple[str, ...] = ()):
        self.model = model
        self.defer = tuple(defer)
        self.related = list(related)
        self.lock = lock
        self.fields = fields
        self.by = by
        self.also = dict(also or {})
        self._built: dict[str, tuple] = {}

    def _root_fields(self) -> list[models.Field]:
        concrete = list(self.model._meta.concrete_fields)
        if self.fields is None:
            return concrete
        wanted = {self.model._meta.pk.name if name == "pk" else name for name in self.fields}
        return [f for f in concrete if f.primary_key or f.name in wanted or f.attname in wanted]

    def _build(self, connection) -> tuple:
        quote = connection.ops.quote_name
        # nodes: (alias, model, parent index, field on parent); the root has no parent
        nodes: list[tuple[str, type[models.Model], int | None, models.Field | None]] = [
            ("t0", self.model, None, None)]
        by_path: dict[str, int] = {"": 0}
        joins, nullable = [], {0: False}
        for path in self.related:
            parent_path = ""
            for name in path.split("__"):
                here = f"{parent_path}__{name}" if parent_path else name
                if here not in by_path:
                    parent = by_path[parent_path]
                    link = nodes[parent][1]._meta.get_field(name)
                    index = len(nodes)
                    alias = f"t{index}"
                    target = link.related_model
                    nodes.append((alias, target, parent, link))
                    by_path[here] = index
                    nullable[index] = nullable[parent] or link.null
                    kind = "LEFT OUTER JOIN" if nullable[index] else "INNER JOIN"
                    joins.append(f"{kind} {quote(target._meta.db_table)} {alias} ON {alias}."
                                 f"{quote(link.target_field.column)} = {nodes[parent][0]}.{quote(link.column)}")
                parent_path = here
        columns, layout = [], []
        path_of = {index: path for path, index in by_path.items()}
        for index, (alias, model, parent, link) in enumerate(nodes):
            fields = self._root_fields() if parent is None else list(model._meta.concrete_fields)
            prefix = f"{path_of[index]}__" if path_of[index] else ""
            fields = [f for f in fields if f.primary_key or f"{prefix}{f.name}" not in self.defer]
            converters = []
            for f in fields:
                col = f.get_col(alias)
                chain = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                if chain:
                    converters.append((len(columns) - sum(len(item[1]) for item in layout), chain, col))
                columns.append(f"{alias}.{quote(f.column)}")
            # per node: its columns' attribute names and the position of its key, worked out once
            key = next(i for i, f in enumerate(fields) if f.primary_key)
            layout.append((model, [f.attname for f in fields], key, converters, parent, link))
        meta = self.model._meta
        select = f"SELECT {', '.join(columns)} FROM {quote(meta.db_table)} t0 {' '.join(joins)}"
        also = [(name, expression) for name, make in self.also.items() if (expression := make(connection))]
        one = (f"SELECT {', '.join([*columns, *(expression for _name, expression in also)])} "
               f"FROM {quote(meta.db_table)} t0 {' '.join(joins)}")
        one += " WHERE " + " AND ".join(
            f"t0.{quote((meta.pk if name == 'pk' else meta.get_field(name)).column)} = %s" for name in self.by)
        if self.lock and connection.features.has_select_for_update_of:
            one += " FOR UPDATE OF t0"
        elif self.lock and connection.features.has_select_for_update:
            one += " FOR UPDATE"
        return select, one, layout, [name for name, _expression in also]

    def _prepared(self, lock: bool) -> tuple:
        alias = router.db_for_write(self.model) if lock else router.db_for_read(self.model)
        db = connections[alias]
        built = self._built.get(db.vendor)
        if built is None:
            built = self._built[db.vendor] = self._build(db)
        return alias, db, built

    def get(self, *values) -> models.Model | None:
        alias, db, (_select, sql, layout, also) = self._prepared(self.lock)
        with db.cursor() as cursor:
            execute(cursor, sql, list(values))
            row = cursor.fetchone()
        if row is None:
            return None
        instance = self._instance(row, layout, alias, db)
        for position, name in enumerate(also, start=len(row) - len(also)):
            setattr(instance, name, row[position])
        return instance

    def many(self, keys: list) -> list[models.Model]:
        """The rows whose primary keys are ``keys``, in that order (a key with no row is left out); never
        locked. One statement whatever the number of keys (an array parameter on PostgreSQL)."""
        if not keys:
            return []
        alias, db, (select, _one, layout, _also) = self._prepared(False)
        key = f"t0.{db.ops.quote_name(self.model._meta.pk.column)}"
        if db.vendor == "postgresql":
            kind = self.model._meta.pk.rel_db_type(db)  # the array's type said, not guessed from the values
            sql, params = f"{select} WHERE {key} = ANY(%s::{kind}[])", [list(keys)]
        else:
            sql, params = f"{select} WHERE {key} IN ({', '.join(['%s'] * len(keys))})", list(keys)
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            shared: dict = {}
            found = [self._instance(row, layout, alias, db, shared) for row in cursor.fetchall()]
        by_key = {instance.pk: instance for instance in found}
        return [by_key[k] for k in keys if k in by_key]

    @staticmethod
    def _instance(row, layout, alias, db, shared: dict | None = None) -> models.Model:
        """The root instance of ``row`` with its related ones cached on it. With ``shared`` (one dict for the
        rows of one statement), a related record already made for an earlier row — the same procedure on
        every row of a page — is that same object, as ``prefetch_related`` shares them, and what hangs below
        it is not made again."""
        instances: list[models.Model | None] = []
        reused: set[int] = set()
        position = 0
        for index, (model, names, pk_index, converters, parent, link) in enumerate(layout):
            start = position
            position += len(names)
            if parent is not None and parent in reused:  # already hanging below a shared record
                instances.append(None)
                reused.add(index)
                continue
            if shared is not None and parent is not None:
                known = shared.get((index, row[start + pk_index]))
                if known is not None:
                    instances.append(known)
                    reused.add(index)
                    if instances[parent] is not None:
                        link.set_cached_value(instances[parent], known)
                    continue
            values = list(row[start:position])
            for i, chain, col in converters:
                for convert in chain:
                    values[i] = convert(values[i], col, db)
            instance = model.from_db(alias, names, values) if values[pk_index] is not None else None
            instances.append(instance)
            if parent is not None and instances[parent] is not None:
                link.set_cached_value(instances[parent], instance)
            if shared is not None and parent is not None and instance is not None:
                shared[(index, row[start + pk_index])] = instance
        return instances[0]


class FixedRead:
    """A read statement whose text depends on nothing but the database's vendor — the header's unread count,
    an officer's memberships, the agency tree, a transition's checks — asked again and again, so its text is
    built once per vendor by ``build(db)`` (names quoted from the models' metadata, ``%s`` for values), prepared
    once per connection (:func:`execute`) and run on the database the routers choose for reading ``model`` (a
    replica inside ``replica_reads``), or with ``primary`` on the one they choose for writing it (a check inside
    a transaction that writes). Values are passed as the driver takes them, except a date (the backend's own
    form) and a list of keys: an array on PostgreSQL (write ``= ANY(%s::<type>[])``), JSON elsewhere (write
    ``IN (SELECT value FROM json_each(%s))``)."""

    def __init__(self, model: type[models.Model], build: Callable[[object], str], *, primary: bool = False):
        self.model, self.build, self.primary = model, build, primary
        self._texts: dict[str, str] = {}

    def rows(self, *values) -> list[tuple]:
        db = connections[router.db_for_write(self.model) if self.primary else router.db_for_read(self.model)]
        sql = self._texts.get(db.vendor)
        if sql is None:
            sql = self._texts[db.vendor] = self.build(db)
        with db.cursor() as cursor:
            execute(cursor, sql, [self._adapted(db, value) for value in values])
            return cursor.fetchall()

    def one(self, *values) -> tuple | None:
        """The first row, or ``None``."""
        rows = self.rows(*values)
        return rows[0] if rows else None

    @staticmethod
    def _adapted(db, value):
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return db.ops.adapt_datefield_value(value)
        if isinstance(value, list | tuple | set | frozenset) and db.vendor != "postgresql":
            return json.dumps(sorted(value))
        if isinstance(value, set | frozenset):
            return sorted(value)
        return value

