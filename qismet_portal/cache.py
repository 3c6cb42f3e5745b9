"""The Redis cache, tolerant of Redis being down.

django-redis with ``IGNORE_EXCEPTIONS`` turns every connection or timeout error into a logged
miss (``get`` returns the default, ``set`` and ``delete`` do nothing), so a Redis outage costs
speed, not pages: sessions are read from the database (``cached_db``), and throttle counters read
as empty.

One operation needs a decision of its own: ``add``. django-redis answers ``None`` (false), which
would make every rate limit that takes a lock with ``add`` (allauth's) refuse everyone, sign-in
included, for as long as Redis is down. Here ``add`` answers "added" instead, so throttling
fails open: while its counters are unreachable nothing is throttled, and the outage is logged.
Refusing every sign-in would turn a cache outage into a full outage; passwords are still checked
and accounts still need their password, so the exposure is a brute-force window only as long as
the outage, which the health endpoint reports.
"""

from django_redis.cache import RedisCache


class OutageTolerantRedisCache(RedisCache):
    def add(self, *args, **kwargs) -> bool:
        added = super().add(*args, **kwargs)
        return True if added is None else added
