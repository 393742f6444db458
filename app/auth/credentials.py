"""Who signs in with a password: the account of an e-mail, the check of its password, and the
brake on failed sign-ins.

An unknown e-mail, an account without a password (invited, or OIDC only), a deactivated account
and a wrong password all get the same answer (None) after the same work: one Argon2
verification (against a dummy hash when there is nothing to verify against).

The brake (``SignInBrake``) slows guessing without locking anyone out:

- per client address: after ``attempts`` failures in ``window`` seconds, the client is refused
  (429) before any password is checked, until its oldest failure leaves the window
  (``FailedAuthLimiter``). Other clients, the account's owner among them, are not concerned;
- per account (the e-mail typed, known or not, so that an unknown e-mail is slowed alike): after
  ``free_failures`` failures in ``account_window`` seconds, every sign-in to it waits an
  increasing delay before its check (``base_delay``, doubling, at most ``max_delay``) — a
  delay, never a refusal: the owner's right password still signs in, a few seconds later.

Kept in the process's memory (bounded: the least recently failing forgotten first); with several
workers, each counts on its own.
"""

import threading
import time
from collections import OrderedDict, deque

from sqlmodel import Session

from app.auth import passwords
from app.auth.accounts import get_by_email, normalise_email
from app.core.hardening import FailedAuthLimiter
from app.models import Account


def authenticate(*, session: Session, email: str, password: str) -> Account | None:
    """The active account whose e-mail and password these are; None otherwise, after the same
    work whatever the reason."""
    account = get_by_email(session=session, email=email) if len(email) <= 320 else None
    if (
        account is None
        or not account.active
        or account.password_hash is None
        or len(password) > passwords.MAX_LENGTH
    ):
        passwords.verify_nothing(password[: passwords.MAX_LENGTH])
        return None
    return account if passwords.verify_password(password, account.password_hash) else None


class SignInBrake:
    """Failed password sign-ins, per client and per account (see the module's docstring)."""

    def __init__(
        self,
        *,
        attempts: int = 10,
        window: float = 60.0,
        max_clients: int = 10_000,
        free_failures: int = 3,
        base_delay: float = 0.25,
        max_delay: float = 3.0,
        account_window: float = 15 * 60.0,
        max_accounts: int = 10_000,
    ) -> None:
        self.clients = FailedAuthLimiter(attempts=attempts, window=window, max_clients=max_clients)
        self.free_failures = free_failures
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.account_window = account_window
        self.max_accounts = max_accounts
        self._accounts: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def refused(self, client: str) -> int | None:
        """Seconds the client must wait before it may try again; None when it may try now."""
        return self.clients.blocked(client)

    def delay(self, email: str) -> float:
        """Seconds a sign-in to ``email`` waits before its password is checked."""
        failures = self._recent(normalise_email(email))
        if failures < self.free_failures:
            return 0.0
        return float(min(self.max_delay, self.base_delay * 2 ** (failures - self.free_failures)))

    def failed(self, *, client: str, email: str) -> None:
        self.clients.failed(client)
        key = normalise_email(email)
        now = time.monotonic()
        with self._lock:
            failures = self._accounts.pop(key, None) or deque(maxlen=64)
            failures.append(now)
            self._accounts[key] = failures  # now the most recent
            while len(self._accounts) > self.max_accounts:
                self._accounts.popitem(last=False)

    def succeeded(self, *, email: str) -> None:
        """The owner signed in: the account's failures are forgotten."""
        with self._lock:
            self._accounts.pop(normalise_email(email), None)

    def _recent(self, key: str) -> int:
        now = time.monotonic()
        with self._lock:
            failures = self._accounts.get(key)
            if failures is None:
                return 0
            while failures and failures[0] <= now - self.account_window:
                failures.popleft()
            return len(failures)
