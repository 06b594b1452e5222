"""The OpenID Connect server segl runs: oauthlib's, without refresh tokens.

A relying party gets the ID token and a short-lived access token for userinfo; it has no use for
a refresh token, since every login and approval is a fresh act of the citizen (decision 2).
"""

from __future__ import annotations

from typing import Any

from oauthlib.openid import Server


class SeglServer(Server):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.auth_grant.refresh_token = False
        self.openid_connect_auth.proxy_target.refresh_token = False
