from django.urls import path

from . import views

app_name = "notify"
urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("sms/receipt", views.sms_receipt, name="sms-receipt"),
]
