"""The Redis cache, tolerant of Redis being down.

django-redis with ``IGNORE_EXCEPTIONS`` turns every connection or timeout error into a logged
miss (``get`` returns the default, ``set`` and ``delete`` do nothing), so a Redis outage costs
speed, not pages: sessions are read from the database (``cached_db``), and throttle counters read
as empty.

One operation needs a decision of its own: ``add``. django-redis answers ``None`` (false), which
would make every rate limit that takes a lock with ``add`` (allauth's, for password-reset emails
and password changes) refuse everyone for as long as Redis is down. Here ``add`` answers "added"
instead, so those limits fail open while their counters are unreachable, and the outage is
logged: refusing everyone would turn a cache outage into a full outage. Sign-in has its own
throttle (accounts/throttle.py), which then counts in each web process's memory instead, so
password guessing stays limited (per process) during an outage.
"""

from django_redis.cache import RedisCache


class OutageTolerantRedisCache(RedisCache):
    def add(self, *args, **kwargs) -> bool:
        added = super().add(*args, **kwargs)
        return True if added is None else added
