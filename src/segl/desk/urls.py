from django.urls import path

from .views import approvals, login, visits

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
    path("approvals/<int:pk>/", approvals.approval, name="approval"),
]
