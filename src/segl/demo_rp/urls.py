from django.urls import path

from . import views

app_name = "demo_rp"
urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.start, name="start"),
    path("callback/", views.callback, name="callback"),
]
