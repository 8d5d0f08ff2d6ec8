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


def test_decode_accepts_only_our_key_and_hs256():
    import time

    import jwt

    from db.rules.cookies import decode

    key = "k" * 40
    claims = {"username": "admin", "exp_date": time.time() + 600}
    assert decode(jwt.encode(claims, key, algorithm="HS256"), key)["username"] == "admin"
    forged = [
        jwt.encode(claims, "another-key-" * 4, algorithm="HS256"),  # another key
        jwt.encode(claims, key, algorithm="HS512"),  # another algorithm, our key
        jwt.encode(claims, None, algorithm="none"),  # unsigned
        jwt.encode(claims, key, algorithm="HS256")[:-3] + "abc",  # tampered signature
        "not-a-jwt",
        "a.b.c",
        "",
        "\x00",
    ]
    for token in forged:
        assert decode(token, key) is None, token


def test_the_cookie_is_reissued_before_a_short_idle_time_out_refuses_it():
    from db.rules.cookies import reissue_every

    assert reissue_every(30) == 300  # every five minutes of activity
    assert reissue_every(3) == 90  # at half a three-minute time-out
    for idle in (1, 2, 3, 5, 10, 30):
        # an active user's cookie is never older than the time-out that would refuse it on reload
        assert reissue_every(idle) < idle * 60
        issued = NOW - reissue_every(idle) + 1  # the oldest cookie an active user can hold
        assert issued_at(issued + DAY, NOW, idle) is not None


def test_the_cookie_the_app_writes_is_the_one_the_gate_reads():
    import jwt

    from db.rules.cookies import decode, encode

    exp = NOW + DAY
    key = "k" * 32
    token = encode("reception", exp, key)
    assert jwt.decode(token, key, algorithms=["HS256"]) == {"username": "reception", "exp_date": exp}
    assert decode(token, key) == {"username": "reception", "exp_date": exp}
    assert decode(token, key + "x") is None
    assert issued_at(exp, NOW + 10, idle_minutes=30) == NOW
