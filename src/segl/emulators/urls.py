from django.urls import path

from . import documents, views

app_name = "emulators"
urlpatterns = [
    path("", views.device_list, name="list"),
    path("phone/", views.phone, name="phone"),
    path("documents/", documents.document_list, name="documents"),
    path("documents/face.jpg", documents.face, name="face"),
    path("documents/<str:name>", documents.document_file, name="document"),
    path("<str:serial>/", views.device_page, name="device"),
    path("<str:serial>/speech.wav", views.speech, name="speech"),
]
