"""A small cache-based throttle for public forms (one counter per client address and window).

allauth's rate limiter reads its limits from allauth's own settings only, so the public account
request form counts here instead, in the same cache. The client address comes from allauth's
adapter so that both limiters agree on who the client is behind a proxy.
"""

import hashlib
import time

from django.core.cache import cache
from django.http import HttpRequest

from qismet_portal.client_ip import client_bucket


def client_key(request: HttpRequest) -> str:
    return hashlib.sha256(client_bucket(request).encode()).hexdigest()[:32]


def allow(request: HttpRequest, *, scope: str, limit: int, period_seconds: int) -> bool:
    """Count one attempt for this client; False once more than ``limit`` fall in the window."""
    window = int(time.time() // period_seconds)
    key = f"throttle:{scope}:{client_key(request)}:{window}"
    if cache.add(key, 1, timeout=period_seconds):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period_seconds)
        count = 1
    return count <= limit
