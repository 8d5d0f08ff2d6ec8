"""The login cookie the console writes itself (components/auth.cookie_script): what the page's
script sets, and when the gate asks for it."""

from __future__ import annotations

from components import auth
from db.config import COOKIE_NAME
from db.rules import cookies


def test_the_script_sets_a_strict_cookie_secure_over_https():
    script = auth.cookie_script({"token": "a.b.c", "expires": "Mon, 07 Dec 2026 10:00:00 GMT"})
    assert script.startswith("<script>") and script.endswith("</script>")
    assert f'"{COOKIE_NAME}=a.b.c; path=/; expires=Mon, 07 Dec 2026 10:00:00 GMT; SameSite=Strict"' in script
    assert "window.location.protocol === 'https:' ? '; Secure' : ''" in script


def test_the_delete_script_expires_the_cookie():
    script = auth.cookie_script({"delete": True})
    assert f'"{COOKIE_NAME}=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Strict"' in script
    assert auth.cookie_script(None) is None


def test_a_form_login_asks_for_a_cookie_and_a_logout_for_its_deletion(demo_db):
    from tests.factories.pages import login

    at = login("leader")
    assert at.session_state[auth.ACTOR_KEY].username == "leader"
    write = at.session_state[auth.COOKIE_WRITE_KEY]
    claims = cookies.decode(write["token"], "t" * 40)  # the demo database's cookie key (tests.factories.pages)
    assert claims["username"] == "leader"
    assert write["expires"].endswith(" GMT")
    assert at.session_state[auth.PASSWORD_KEY] == ""  # the password is not kept in the form
    at.button(key="logout_button").click().run()
    assert auth.ACTOR_KEY not in at.session_state
    assert at.session_state[auth.COOKIE_WRITE_KEY] == {"delete": True}
    assert at.session_state[auth.NOTICE_KEY] == "您已安全退出。"  # shown by the login page (browser tests)
