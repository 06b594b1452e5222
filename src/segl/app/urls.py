from django.urls import path

from . import api, views

app_name = "app"
urlpatterns = [
    path("", views.home, name="home"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.worker, name="worker"),
    path("api/openapi.yaml", views.openapi, name="openapi"),
    path("api/qr", api.qr, name="qr"),
    path("api/activation/start", api.activation_start, name="activation-start"),
    path("api/activation/finish", api.activation_finish, name="activation-finish"),
    path("api/me", api.me, name="me"),
    path("api/unlock", api.unlock, name="unlock"),
    path("api/retire", api.retire, name="retire"),
    path("api/unlock/biometrics", api.unlock_biometrics, name="unlock-biometrics"),
    path(
        "api/unlock/biometrics/finish",
        api.unlock_biometrics_finish,
        name="unlock-biometrics-finish",
    ),
    path("api/biometrics/register", api.biometrics_register, name="biometrics-register"),
    path(
        "api/biometrics/register/finish",
        api.biometrics_register_finish,
        name="biometrics-register-finish",
    ),
    path("api/requests/pending", api.pending, name="pending"),
    path("api/requests/<str:request_id>/bind", api.bind, name="bind"),
    path("api/requests/<str:request_id>/answer", api.answer, name="answer"),
    path("api/copy", api.copy_offer, name="copy-offer"),
    path("api/copy/scan", api.copy_scan, name="copy-scan"),
    path("api/copy/finish", api.copy_finish, name="copy-finish"),
    path("api/copy/<str:copy_id>", api.copy_status, name="copy-status"),
    path("api/copy/<str:copy_id>/confirm", api.copy_confirm, name="copy-confirm"),
    path("api/settings/approval-mode", api.approval_mode, name="approval-mode"),
    path(
        "api/settings/approval-mode/confirm",
        api.approval_mode_confirm,
        name="approval-mode-confirm",
    ),
]
