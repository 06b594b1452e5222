"""What segl adds to an OAuth grant: how the citizen authenticated and what they approved."""

from __future__ import annotations

from django.db import models
from oauth2_provider.models import AccessToken, Application, Grant

from segl.identities.models import Identity


class AuthContext(models.Model):
    """One issued authorization code and the login behind it.

    Outlives the grant (which django-oauth-toolkit deletes on redemption) so that a second
    redemption of the same code is recognised and revokes what the first one issued
    (RFC 6749 §4.1.2: "the authorization server SHOULD revoke ... all tokens previously issued
    based on that authorization code").
    """

    code_hash = models.CharField(max_length=64, unique=True)
    grant = models.OneToOneField(
        Grant, null=True, blank=True, on_delete=models.SET_NULL, related_name="segl_context"
    )
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="+")
    flow_id = models.CharField(max_length=32)
    acr = models.CharField(max_length=64)
    ial = models.CharField(max_length=16)
    aal = models.CharField(max_length=16)
    amr = models.JSONField(default=list)
    method = models.CharField(max_length=32)
    auth_time = models.DateTimeField()
    action = models.CharField(max_length=16)
    approval_text_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    access_token = models.ForeignKey(
        AccessToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"auth context for flow {self.flow_id}"
