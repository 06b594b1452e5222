from django.urls import path

from . import api

app_name = "proofing"

urlpatterns = [
    path("", api.start, name="start"),
    path("openapi.yaml", api.openapi, name="openapi"),
    path("state", api.state, name="state"),
    path("terms", api.terms, name="terms"),
    path("document", api.document, name="document"),
    path("chip", api.chip, name="chip"),
    path("chip/answer", api.chip_answer, name="chip-answer"),
    path("face", api.face, name="face"),
    path("identity", api.identity, name="identity"),
    path("app", api.app_here, name="app"),
    path("copy", api.copy_offer, name="copy"),
    path("copy/<str:copy_id>", api.copy_status, name="copy-status"),
    path("copy/<str:copy_id>/confirm", api.copy_confirm, name="copy-confirm"),
    path("device", api.device, name="device"),
    path("security-key", api.security_key, name="security-key"),
    path("security-key/finish", api.security_key_finish, name="security-key-finish"),
    path("order", api.order, name="order"),
]
