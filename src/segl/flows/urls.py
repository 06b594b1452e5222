from django.urls import path

from segl.app import browser as app_browser

from . import views

app_name = "flows"
urlpatterns = [
    path("<str:flow_id>/", views.StepView.as_view(), name="step"),
    path("<str:flow_id>/method/", views.MethodView.as_view(), name="method"),
    path("<str:flow_id>/cancel/", views.CancelView.as_view(), name="cancel"),
    path("<str:flow_id>/app/qr.svg", app_browser.qr, name="app-qr"),
    path("<str:flow_id>/app/status", app_browser.status, name="app-status"),
    path("<str:flow_id>/app/retry/", app_browser.retry, name="app-retry"),
]
