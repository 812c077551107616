"""httpx clients that hold a web session the way a browser does, for form-level tests.

``signed_in(url, email)`` signs in through the real form and keeps the cookies;
``csrf(http)`` is the session's CSRF token; ``form_value(html, name)`` reads a hidden
field (a form's CSRF token, an idempotency key) from a rendered page.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy
from typing import Any
from urllib.request import Request

import httpx

from tests.helpers import PASSWORD


class LocalhostPolicy(DefaultCookiePolicy):
    """Like a browser, send Secure cookies to a server on this machine over plain HTTP."""

    def return_ok_secure(self, cookie: Cookie, request: Request) -> bool:
        return True


class BrowserLike(httpx.AsyncClient):
    """An httpx client that keeps cookies the way a browser does on localhost.

    (httpx's own cookie handling drops Secure cookies on plain HTTP.)
    """

    def __init__(self, url: str) -> None:
        self.jar = CookieJar(LocalhostPolicy())
        hooks: dict[str, list[Callable[..., Any]]] = {
            "request": [self._send_cookies],
            "response": [self._keep_cookies],
        }
        super().__init__(base_url=url, timeout=10, event_hooks=hooks)

    async def _send_cookies(self, request: httpx.Request) -> None:
        httpx.Cookies(self.jar).set_cookie_header(request)

    async def _keep_cookies(self, response: httpx.Response) -> None:
        httpx.Cookies(self.jar).extract_cookies(response)

    @property
    def kept(self) -> dict[str, str]:
        return {cookie.name: cookie.value or "" for cookie in self.jar}


def form_value(html: str, name: str = "csrf_token") -> str:
    """The value of a (hidden) input of a rendered form."""
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"the page has no field {name}"
    return found.group(1)


def csrf(http: BrowserLike) -> str:
    """The session's CSRF token, as a page would repeat it."""
    return http.kept["__Host-freight_csrf"]


@asynccontextmanager
async def signed_in(url: str, email: str, password: str = PASSWORD) -> AsyncIterator[BrowserLike]:
    """A browser-like client that signed in through the form."""
    async with BrowserLike(url) as http:
        form = await http.get("/app/login")
        resp = await http.post(
            "/app/login",
            data={"email": email, "password": password, "csrf_token": form_value(form.text)},
        )
        assert resp.status_code == 303, resp.text
        yield http
