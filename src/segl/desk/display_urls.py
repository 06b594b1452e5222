from django.urls import path

from .views import display

app_name = "display"
urlpatterns = [
    path("", display.display, name="display"),
    path("version/", display.version, name="version"),
]
