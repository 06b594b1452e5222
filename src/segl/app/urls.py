from django.urls import path

from . import views
from .api import account, activation, biometrics, copy, login, notifications

app_name = "app"
urlpatterns = [
    path("", views.home, name="home"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.worker, name="worker"),
    path("api/openapi.yaml", views.openapi, name="openapi"),
    path("api/qr", copy.qr, name="qr"),
    path("api/activation/start", activation.activation_start, name="activation-start"),
    path("api/activation/finish", activation.activation_finish, name="activation-finish"),
    path("api/me", account.me, name="me"),
    path("api/unlock", account.unlock, name="unlock"),
    path("api/retire", account.retire, name="retire"),
    path("api/unlock/biometrics", biometrics.unlock_biometrics, name="unlock-biometrics"),
    path(
        "api/unlock/biometrics/finish",
        biometrics.unlock_biometrics_finish,
        name="unlock-biometrics-finish",
    ),
    path("api/biometrics/register", biometrics.biometrics_register, name="biometrics-register"),
    path(
        "api/biometrics/register/finish",
        biometrics.biometrics_register_finish,
        name="biometrics-register-finish",
    ),
    path("api/requests/pending", login.pending, name="pending"),
    path("api/requests/<str:request_id>/bind", login.bind, name="bind"),
    path("api/requests/<str:request_id>/answer", login.answer, name="answer"),
    path("api/copy", copy.copy_offer, name="copy-offer"),
    path("api/copy/scan", copy.copy_scan, name="copy-scan"),
    path("api/copy/finish", copy.copy_finish, name="copy-finish"),
    path("api/copy/<str:copy_id>", copy.copy_status, name="copy-status"),
    path("api/copy/<str:copy_id>/confirm", copy.copy_confirm, name="copy-confirm"),
    path("api/notifications", notifications.notifications, name="notifications"),
    path("api/settings/pin", account.pin_change, name="pin-change"),
    path("api/settings/approval-mode", account.approval_mode, name="approval-mode"),
    path(
        "api/settings/approval-mode/confirm",
        account.approval_mode_confirm,
        name="approval-mode-confirm",
    ),
]
