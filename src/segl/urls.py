"""segl's URLs. The demo's (device emulators, the demo phone, Demo Bank) are routed only when
the demo is on (``SEGL_DEMO``, never in production): otherwise they do not exist (404)."""

from django.conf import settings
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language
from oauth2_provider import views as oauth_views

from segl.oidc import views as oidc_views
from segl.web import operations
from segl.web import views as web_views

oidc_patterns = (
    [
        path("authorize/", oidc_views.AuthorizeView.as_view(), name="authorize"),
        path("finish/<str:flow_id>/", oidc_views.FinishView.as_view(), name="finish"),
        path("token/", oidc_views.TokenView.as_view(), name="token"),
        path("userinfo/", oauth_views.UserInfoView.as_view(), name="user-info"),
        path(
            ".well-known/openid-configuration",
            oidc_views.DiscoveryView.as_view(),
            name="oidc-connect-discovery-info",
        ),
        path(".well-known/jwks.json", oauth_views.JwksInfoView.as_view(), name="jwks-info"),
        path("revoke_token/", oauth_views.RevokeTokenView.as_view(), name="revoke-token"),
    ],
    "oauth2_provider",
)

home = web_views.home
if settings.CONFIG.demo:  # the front page says how to try the demo, and lists its people
    from segl.demo import views as demo_views

    home = demo_views.home

urlpatterns = [
    path("", home, name="home"),
    path("accessibility/", web_views.accessibility, name="accessibility"),
    path("healthz", web_views.healthz, name="healthz"),
    path("metrics", operations.metrics, name="metrics"),
    path("i18n/setlang/", set_language, name="set_language"),
    # The words of segl's scripts (the app), from the "djangojs" catalogue in the page's language.
    path("i18n/js/", JavaScriptCatalog.as_view(domain="djangojs"), name="javascript-catalog"),
    path("o/", include(oidc_patterns)),
    path("login/", include("segl.flows.urls")),
    path("app/api/proofing/", include("segl.proofing.urls")),
    path("app/", include("segl.app.urls")),
    path("notices/", include("segl.notify.urls")),
    path("portal/", include("segl.portal.urls")),
    path("desk/", include("segl.desk.urls")),
    path("display/", include("segl.desk.display_urls")),
]
if settings.CONFIG.demo:
    urlpatterns += [
        path("emulator/", include("segl.emulators.urls")),
        path("demo-bank/", include("segl.demo_rp.urls")),
    ]

handler400 = "segl.web.views.bad_request"
handler404 = "segl.web.views.not_found"
handler500 = "segl.web.views.server_error"
