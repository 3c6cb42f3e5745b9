"""Sign-in throttling that a stranger cannot turn into a lock-out.

Failed sign-ins are counted three ways, each over its own period (settings SIGNIN_FAILURES_*):

* per account *and* client address: the everyday limit. Someone guessing from their own address
  stops after a few tries, while the owner, signing in from theirs, is not affected;
* per client address, across all accounts: one address trying many accounts;
* per account, across all addresses: a much higher ceiling against guessing spread over many
  addresses. Reaching it pauses sign-in to that account for everyone, so the owner is emailed a
  link that lifts it (see ``unlock_token`` and ``clear_account``).

An attempt is counted before the password is checked (so parallel requests cannot slip past the
limit) and handed back when the password turns out right, so only failures remain counted.

The counters live in the shared cache (Redis in production) so every web process sees the same
numbers. If the cache cannot be reached, or answers every read with nothing, counting falls back
to memory inside each web process: limits then apply per process, which is weaker, but sign-in
keeps working and guessing stays slow. Keys hold a hash of the address and the email, never the
plain values.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest

from qismet_portal.client_ip import client_bucket

logger = logging.getLogger(__name__)

#: Used when the shared cache does not answer; one per process.
_fallback = LocMemCache("accounts-signin-throttle", {"OPTIONS": {"MAX_ENTRIES": 10000}})

UNLOCK_SALT = "accounts.signin-unlock"


@dataclass(frozen=True)
class Limit:
    scope: str
    failures: int
    seconds: int

    @classmethod
    def from_setting(cls, scope: str, name: str) -> Limit:
        failures, seconds = getattr(settings, name)
        return cls(scope, int(failures), int(seconds))


def limits() -> dict[str, Limit]:
    return {
        "pair": Limit.from_setting("pair", "SIGNIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"),
        "address": Limit.from_setting("address", "SIGNIN_FAILURES_PER_ADDRESS"),
        "account": Limit.from_setting("account", "SIGNIN_FAILURES_PER_ACCOUNT"),
    }


def normalise_login(login: str) -> str:
    return (login or "").strip().lower()


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def _keys(request: HttpRequest, login: str) -> dict[str, str]:
    address = client_bucket(request)
    login = normalise_login(login)
    return {
        "pair": f"signin:pair:{_digest(login, address)}",
        "address": f"signin:address:{_digest(address)}",
        "account": f"signin:account:{_digest(login)}",
    }


def _incr(key: str, seconds: int) -> int:
    """Add one to a counter that expires ``seconds`` after its first count; the new value."""
    for store in (cache, _fallback):
        try:
            store.add(key, 0, timeout=seconds)
            value = store.incr(key)
        except ValueError:  # the counter was not there after add: the store keeps nothing
            value = None
        except Exception:  # an unreachable cache must not stop sign-in
            logger.warning("sign-in throttle: shared cache unavailable", exc_info=True)
            value = None
        if isinstance(value, int) and value > 0:
            return value
    return 0


def _decr(key: str) -> None:
    for store in (cache, _fallback):
        try:
            if store.get(key, 0) > 0:
                store.decr(key)
        except Exception:  # noqa: S112 - nothing to hand back to
            continue


def _delete(key: str) -> None:
    for store in (cache, _fallback):
        try:
            store.delete(key)
        except Exception:  # noqa: S112
            continue


@dataclass
class Attempt:
    """One counted attempt: ``refused`` names the limit reached, if any."""

    keys: dict[str, str]
    counts: dict[str, int]
    refused: str | None

    def hand_back(self) -> None:
        """The password was right (or the attempt was refused): it is not a failure."""
        for key in self.keys.values():
            _decr(key)

    @property
    def reached_account_ceiling(self) -> bool:
        return self.counts.get("account", 0) >= limits()["account"].failures


def attempt(request: HttpRequest, login: str) -> Attempt:
    """Count a sign-in attempt against every limit, refusing it when one is already reached."""
    keys = _keys(request, login)
    counts = {}
    refused = None
    for scope, limit in limits().items():
        counts[scope] = _incr(keys[scope], limit.seconds)
        if refused is None and counts[scope] > limit.failures:
            refused = scope
    result = Attempt(keys=keys, counts=counts, refused=refused)
    if refused:
        result.hand_back()
    return result


def should_notify_owner(request: HttpRequest, login: str) -> bool:
    """True once per ceiling period: the first time the account ceiling is reached."""
    key = f"signin:notified:{_digest(normalise_login(login))}"
    seconds = limits()["account"].seconds
    for store in (cache, _fallback):
        try:
            return bool(store.add(key, 1, timeout=seconds))
        except Exception:  # noqa: S112
            continue
    return False


def clear_account(request: HttpRequest, login: str) -> None:
    """Lift the account ceiling, and the limit for this account from the caller's address."""
    keys = _keys(request, login)
    _delete(keys["account"])
    _delete(keys["pair"])
    _delete(f"signin:notified:{_digest(normalise_login(login))}")


# --- the owner's unlock link ---------------------------------------------------------------------


def unlock_token(user) -> str:
    """A signed, time-limited token naming one account (its id and current email address)."""
    return signing.dumps({"u": user.pk, "e": normalise_login(user.email)}, salt=UNLOCK_SALT)


def unlock_token_user(token: str):
    """The active account a token was made for, or None if it is forged, expired or stale."""
    from .models import User

    try:
        data = signing.loads(token, salt=UNLOCK_SALT, max_age=settings.SIGNIN_UNLOCK_LINK_MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or normalise_login(user.email) != data.get("e"):
        return None
    return user


def allow_unlock_request(request: HttpRequest, email: str) -> bool:
    """Unlock emails on request: a few per account and per address each hour, so the form cannot
    be used to flood someone's inbox."""
    hour = 60 * 60
    address = client_bucket(request)
    per_account = _incr(f"signin:unlock-request:{_digest(normalise_login(email))}", hour)
    per_address = _incr(f"signin:unlock-request-address:{_digest(address)}", hour)
    return per_account <= 3 and per_address <= 10


def clear_after_password_reset(sender, request, user, **kwargs) -> None:
    """Whoever can reset the password owns the account: lift its pause."""
    clear_account(request, user.email)
