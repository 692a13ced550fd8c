"""The published initiatives a search finds, in its list's order, kept from one change of the
catalogue to the next.

A common word matches most of a large catalogue (« logement »: 61,000 of 100,000 initiatives),
and ranking its matches reads every one's search vector: seconds. So a search's matches are read
once, ranked as its list shows them (the most relevant first, then by title), and kept, in this
process and in the cache, under the search's expanded query rather than the catalogue's
revision. When the catalogue changes, only the initiatives changed since (CatalogueChange, as
for the filters' bitmaps) are ranked again and put back in their place: no reader of a search
waits for the catalogue to be ranked again after an edit.

A page of a search's list is then a slice of its ranking, of the initiatives every other filter
lets through (their bitmaps), read by key (`RankedInitiatives`); its count and its facets come
from the bitmap of its matches (`Ranking.found`).
"""

from __future__ import annotations

import hashlib
import heapq
import inspect
import math
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, fields
from functools import cache, cached_property
from typing import Any, overload
from uuid import UUID

from django.db import connection, connections, transaction
from django.db.models import Q
from pyroaring import FrozenBitMap

from .caching import cache_get, cache_set
from .models import CatalogueChange, Initiative, InitiativeQuerySet, Place
from .search import ExpandedQuery

# The query of the ranking of no search: every published initiative in the order of their
# titles (a search's query, an expanded query's key, is never empty).
BY_TITLE = ""
# The query of the ranking of every published initiative by closeness to a commune, before
# its key (a search's query, an expanded query's key, never starts so).
NEAR = "near:"
# For the transaction it runs in: parallel workers as soon as a scan is worth them.
PARALLEL_SQL = (
    "SELECT set_config('parallel_setup_cost', '0', true),"
    " set_config('parallel_tuple_cost', '0', true)"
)
# Beyond this many initiatives changed since a ranking was read, it is read whole again.
MOST_CHANGED = 2_000
# The rankings a process keeps at hand (the cache keeps the others): this many at most, and
# their keys and ranks in this many bytes at most (a ranking of 100,000 initiatives: 1.2 MB).
HELD = 64
HELD_BYTES = 32 * 1024 * 1024


def _descending(rank: float) -> float:
    return -rank


@dataclass
class Ranking:
    """The published initiatives `query` finds (a search's ExpandedQuery.key; or BY_TITLE, or
    NEAR and a commune's key: see ranked()), as of the catalogue's change `last_change`: `keys`
    in the order of its list, with their `ranks`."""

    query: str
    last_change: int
    keys: array  # of "I": the initiatives' keys, the most relevant first, then by title
    ranks: array  # of "d": each one's relevance (search.relevance, 0, -near_order): decreasing
    found: FrozenBitMap
    # Whether read whole (not brought up to date from an older one).
    read_whole: bool = True

    @property
    def size(self) -> int:
        """The bytes its keys and ranks take (its bitmap of matches takes far fewer)."""
        return len(self.keys) * self.keys.itemsize + len(self.ranks) * self.ranks.itemsize

    @classmethod
    def read(cls, query: str, last_change: int | None = None) -> Ranking:
        """The ranking of `query` as the database holds the catalogue now, as of its latest
        change or of the older `last_change` given (two queries, one with `last_change`)."""
        if last_change is None:
            # First: what follows is at least as new.
            last_change = CatalogueChange.objects.last_number()
        matches = ranked(query)
        sql, params = matches.query.sql_with_params()
        # Where the ORM would read it (the replica, for a public page).
        # A search's ranking reads every match's search vector: PostgreSQL's parallel workers
        # halve the time, but the planner, counting ranking as cheap, seldom chooses them, so
        # its transaction asks for them. (The order by title is read from its index.)
        searching = query != BY_TITLE and not query.startswith(NEAR)
        transaction_ = transaction.atomic(using=matches.db) if searching else nullcontext()
        with transaction_, connections[matches.db].cursor() as cursor:
            if searching:
                cursor.execute(PARALLEL_SQL)
            # Tens of thousands of rows: fetched as psycopg gives them, not through a model's
            # iterable.
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        keys = array("I", [key for key, _ in rows])
        ranks = array("d", [rank for _, rank in rows])
        return cls(query, last_change, keys, ranks, FrozenBitMap(keys))

    def updated(self) -> Ranking:
        """This ranking brought up to the catalogue's latest change: the initiatives changed
        since ranked again and put in their place (two queries, and two for each one among
        others as relevant), or everything read again if they are many."""
        latest, changed = CatalogueChange.objects.since(self.last_change)
        if changed is None or len(changed) > MOST_CHANGED:
            return Ranking.read(self.query)
        if not changed:
            return self
        gone = FrozenBitMap(changed) & self.found
        keys, ranks = array("I", self.keys), array("d", self.ranks)
        for key in gone:
            position = keys.index(key)
            del keys[position]
            del ranks[position]
        fresh = list(ranked(self.query, changed).values_list("pk", "rank", "title"))
        for key, rank, title in fresh:
            start = bisect_left(ranks, -rank, key=_descending)
            stop = bisect_right(ranks, -rank, key=_descending)
            # Among initiatives as relevant, the list orders by title, in PostgreSQL's order.
            position = start + preceding(keys[start:stop], title, key)
            keys.insert(position, key)
            ranks.insert(position, rank)
        found = (self.found - gone) | FrozenBitMap([key for key, _, _ in fresh])
        return Ranking(self.query, latest, keys, ranks, found, read_whole=False)

    @cached_property
    def positions(self) -> array:
        """Each initiative's position in this ranking, by key: `positions[key]` (of "I"), for
        the keys it holds."""
        positions = array("I", bytes(4 * (max(self.keys, default=0) + 1)))
        for position, key in enumerate(self.keys):
            positions[key] = position
        return positions

    def first(self, count: int, keys: FrozenBitMap) -> list[int]:
        """The first `count` of `keys` in this ranking's order (those it does not hold last)."""
        positions, beyond = self.positions, len(self.keys)

        def position(key: int) -> int:
            return positions[key] if key < len(positions) and key in self.found else beyond

        return heapq.nsmallest(count, keys, key=position)

    def page(self, allowed: FrozenBitMap, start: int, stop: int) -> dict[int, float]:
        """{key: relevance} of the initiatives at positions `start` to `stop` of this ranking,
        in its order, counting only those in `allowed` (the initiatives every other filter lets
        through)."""
        page: dict[int, float] = {}
        if stop <= start:
            return page
        position = 0
        for key, rank in zip(self.keys, self.ranks, strict=True):
            if key in allowed:
                if position >= start:
                    page[key] = rank
                    if len(page) == stop - start:
                        break
                position += 1
        return page


def ranked(query: str, keys: Collection[int] | None = None) -> InitiativeQuerySet:
    """(key, relevance) of the published initiatives `query` finds (of `keys` only, if given),
    in its list's order; with BY_TITLE, of every published initiative by title, all as
    relevant; with NEAR and a commune's key, of every one, the closest to it first."""
    published = Initiative.objects.published()
    if keys is not None:
        published = published.filter(pk__in=keys)
    if query == BY_TITLE:
        return published.by_title()
    if query.startswith(NEAR):
        commune = Place.objects.get(pk=int(query.removeprefix(NEAR)))
        return published.by_closeness(commune, keys)
    return published.ranked(ExpandedQuery.from_key(query))


def preceding(keys: array, title: str, key: int) -> int:
    """How many of `keys` (initiatives in the order of their titles, then keys) come before an
    initiative of `title` and `key`, as PostgreSQL orders titles: compared with one in every
    √n of them, then with those of the stretch it falls in (two queries of √n initiatives at
    most, whatever their number n)."""
    if not keys:
        return 0
    stride = math.isqrt(len(keys) - 1) + 1
    before = count_before(keys[::stride], title, key)
    if before == 0:
        return 0
    start = (before - 1) * stride
    return start + count_before(keys[start : start + stride], title, key)


def count_before(keys: array, title: str, key: int) -> int:
    """How many of the initiatives `keys` come before (`title`, `key`) by title, then key."""
    return (
        Initiative.objects.filter(pk__in=list(keys))
        .filter(Q(title__lt=title) | Q(title=title, pk__lt=key))
        .count()
    )


class RankedInitiatives:
    """A ranked list (a search's, or near a commune) as a paginator slices it: `count`
    initiatives, those `ranking` finds among `allowed`, each page's read by key from `cards`
    (with what a card shows)."""

    model = Initiative

    def __init__(
        self,
        ranking: Ranking,
        allowed: FrozenBitMap,
        cards: InitiativeQuerySet,
        count: int,
        ranked_as: Callable[[float], dict[str, Any]] | None = None,
    ) -> None:
        self.ranking = ranking
        self.allowed = allowed
        self.cards = cards
        self._count = count
        # What a card is given of its relevance: the attributes, by their names.
        self.ranked_as = ranked_as

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Initiative: ...

    @overload
    def __getitem__(self, index: slice) -> list[Initiative]: ...

    def __getitem__(self, index: int | slice) -> Initiative | list[Initiative]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop, _ = index.indices(self._count)
        ranks = self.ranking.page(self.allowed, start, stop)
        cards = {card.pk: card for card in self.cards.filter(pk__in=list(ranks))}
        if self.ranked_as is not None:
            for key, card in cards.items():
                for name, value in self.ranked_as(ranks[key]).items():
                    setattr(card, name, value)
        return [cards[key] for key in ranks if key in cards]

    def __iter__(self) -> Iterator[Initiative]:
        return iter(self[:])


# The rankings this process read last, by database and query, with the revision each is of.
_held: OrderedDict[tuple[str, str], tuple[UUID, Ranking]] = OrderedDict()
_locks: dict[tuple[str, str], threading.Lock] = {}
_holding = threading.Lock()
# Moved by forget(): the cache's rankings of before are no longer read.
_generation = 0


@cache
def _layout() -> str:
    """What a kept ranking depends on in this code: its fields and the SQL that ranks."""
    described = repr([field.name for field in fields(Ranking)])
    described += str(ranked(ExpandedQuery("layout", "typed").key).query)
    described += str(ranked(BY_TITLE).query)
    from . import geo  # which reads rankings

    # The order by closeness, whose SQL depends on a commune read from the database: its code,
    # or its bytecode where the sources are not installed.
    try:
        described += inspect.getsource(geo.closeness)
    except OSError:
        described += geo.closeness.__code__.co_code.hex()
    return hashlib.blake2b(described.encode(), digest_size=4).hexdigest()


def shared_key(query: str) -> str:
    """The cache's key of `query`'s ranking, in this database, for this code."""
    digest = hashlib.blake2b(query.encode(), digest_size=16).hexdigest()
    database = connection.settings_dict["NAME"]
    return f"catalogue:{database}:ranking:{_layout()}:{_generation}:{digest}"


def for_search(query: str, revision: UUID | None, last_change: int | None = None) -> Ranking:
    """The ranking of `query` (an expanded query's key) at `revision` (None: the catalogue has none
    recorded, read afresh). Read whole the first time, in this process or another (the
    cache), then brought up to date (Ranking.updated). `last_change`, if given, is a change
    of the catalogue at `revision` or before it (that of the filters' bitmaps): a ranking
    read whole is said to be of it, and reads again the changes after it."""
    if revision is None:
        return Ranking.read(query, last_change)
    key = (connection.settings_dict["NAME"], query)
    with _holding:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        held = _held.get(key)
        if held is not None and held[0] == revision:
            with _holding:
                _held.move_to_end(key)
            return held[1]
        kept: Any = held[1] if held is not None else cache_get(shared_key(query))
        if isinstance(kept, Ranking) and kept.query == query:
            ranking = kept.updated()
        else:
            ranking = Ranking.read(query, last_change)
        if ranking is not kept and ranking.read_whole:
            # A megabyte for a common word: shared when read whole only, other processes then
            # ranking again what changed since.
            cache_set(shared_key(query), ranking)
        with _holding:
            _held[key] = (revision, ranking)
            _held.move_to_end(key)
            held_bytes = sum(kept.size for _revision, kept in _held.values())
            while len(_held) > 1 and (len(_held) > HELD or held_bytes > HELD_BYTES):
                dropped, (_revision, oldest) = _held.popitem(last=False)
                held_bytes -= oldest.size
                _locks.pop(dropped, None)
    return ranking


def by_title(revision: UUID | None, last_change: int | None = None) -> Ranking:
    """Every published initiative in the order of their titles, then keys, at `revision`: kept
    and brought up to date as a search's ranking is (for_search)."""
    return for_search(BY_TITLE, revision, last_change)


def near(commune: Place, revision: UUID | None, last_change: int | None = None) -> Ranking:
    """Every published initiative, the closest to `commune` first (its relevance: minus its
    `near_order`, geo.closeness()), then by title, at `revision`: kept and brought up to date
    as a search's ranking is (for_search)."""
    return for_search(f"{NEAR}{commune.pk}", revision, last_change)


def forget() -> None:
    """Drops the rankings this process holds, and leaves those of the cache unread: the next
    search reads its ranking whole."""
    global _generation
    with _holding:
        _held.clear()
        _locks.clear()
        _generation += 1
