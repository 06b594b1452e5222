from django.urls import URLPattern, URLResolver, include, path

from segl.authenticators.registry import KINDS

from . import views

app_name = "flows"


def _kinds() -> list[URLPattern | URLResolver]:
    """Every registered kind's own addresses, under ``<flow id>/<its prefix>/`` (the kinds
    registered themselves when the apps were ready, before any URL is resolved)."""
    return [
        path(f"<str:flow_id>/{kind.url_prefix}/", include(list(kind.urlpatterns())))
        for kind in KINDS.values()
    ]


urlpatterns = [
    path("<str:flow_id>/", views.StepView.as_view(), name="step"),
    path("<str:flow_id>/method/", views.MethodView.as_view(), name="method"),
    path("<str:flow_id>/cancel/", views.CancelView.as_view(), name="cancel"),
    path("<str:flow_id>/<str:prefix>/retry/", views.RetryView.as_view(), name="retry"),
    *_kinds(),
]
