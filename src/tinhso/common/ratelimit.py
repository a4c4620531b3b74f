"""Fixed-window rate limits kept in Django's cache (sign-in, tracking: no brute force, no enumeration).

In the embedded mode the cache is per process; with several web processes set a shared cache (the
database cache table, or Redis) so that the limit holds across them.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    scope: str
    max_hits: int
    window_seconds: int


def client_address(request) -> str:
    """The client's address as the server sees it (a trusted proxy must set REMOTE_ADDR correctly)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(limit: Limit, key: str) -> bool:
    """Count one attempt for ``key``; False when the limit for the current window is exceeded."""
    window = int(time.time()) // limit.window_seconds
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"rl:{limit.scope}:{window}:{digest}"
    if cache.add(cache_key, 1, timeout=limit.window_seconds + 1):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=limit.window_seconds + 1)
        return True
    return count <= limit.max_hits


def reset(limit: Limit, key: str) -> None:
    window = int(time.time()) // limit.window_seconds
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache.delete(f"rl:{limit.scope}:{window}:{digest}")
