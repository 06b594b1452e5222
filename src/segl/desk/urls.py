from django.urls import path

from .views import approvals, helping, login, visits

app_name = "desk"
urlpatterns = [
    path("", visits.home, name="home"),
    path("login/", login.login, name="login"),
    path("callback/", login.callback, name="callback"),
    path("logout/", login.logout, name="logout"),
    path("centre/", login.centre, name="centre"),
    path("visits/", visits.visit_new, name="visit_new"),
    path("visits/<int:pk>/", visits.visit, name="visit"),
    path("visits/<int:pk>/document/", visits.document, name="document"),
    path("visits/<int:pk>/ask/", visits.ask, name="ask"),
    path("visits/<int:pk>/end/", visits.end, name="end"),
    path("visits/<int:pk>/display/", helping.pair, name="pair"),
    path("visits/<int:pk>/display/ask/", helping.ask_display, name="ask_display"),
    path("visits/<int:pk>/display/state/", helping.display_state, name="display_state"),
    path("visits/<int:pk>/device/", helping.device, name="device"),
    path("visits/<int:pk>/app-code/", helping.app_code, name="app_code"),
    path("visits/<int:pk>/pickup/", helping.pickup, name="pickup"),
    path("approvals/<int:pk>/", approvals.approval, name="approval"),
]
