from django.urls import path

from . import views

app_name = "emulators"
urlpatterns = [
    path("", views.device_list, name="list"),
    path("phone/", views.phone, name="phone"),
    path("<str:serial>/", views.device_page, name="device"),
]
