"""Figures computed over many initiatives (facet counts, totals), kept until the catalogue changes.

Every write to a table these figures read gives the catalogue a new revision key (database
triggers, see CatalogueRevision), and a figure is cached under the key it was computed at: a
change makes every older figure unreachable at once, in every process, whatever wrote it (the
admin, a fixture load, a restore, SQL by hand). Without a revision nothing is cached.
"""

import hashlib

from django.core.cache import cache
from django.db import connection

# Figures of older revisions are never read again; the cache drops them as it fills up.
CACHE_TIMEOUT = 24 * 60 * 60


def cached(revision, key, compute):
    """compute(), or its value cached for `revision` under `key` (a tuple of plain values)."""
    if revision is None:
        return compute()
    digest = hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()
    cache_key = f"catalogue:{connection.settings_dict['NAME']}:{revision}:{digest}"
    value = cache.get(cache_key)
    if value is None:
        value = compute()
        cache.set(cache_key, value, CACHE_TIMEOUT)
    return value
