"""The login-cookie age rule: idle cookies and far-future forgeries are refused."""

from db.config import COOKIE_EXPIRY_DAYS
from db.rules.cookies import issued_at

DAY = COOKIE_EXPIRY_DAYS * 86400
NOW = 1_800_000_000.0


def test_fresh_cookie_gives_its_issue_time():
    assert issued_at(NOW - 60 + DAY, NOW, 30) == NOW - 60


def test_cookie_older_than_the_idle_timeout_is_refused():
    assert issued_at(NOW - 29 * 60 + DAY, NOW, 30) is not None
    assert issued_at(NOW - 31 * 60 + DAY, NOW, 30) is None  # a reload after 31 idle minutes


def test_far_future_or_expired_cookie_is_refused():
    assert issued_at(NOW + 10 * DAY, NOW, 30) is None  # signed by someone with a longer lifetime
    assert issued_at(NOW - 1, NOW, 30) is None
    assert issued_at(NOW + DAY + 30, NOW, 30) is not None  # small clock skew tolerated
