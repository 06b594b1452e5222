from django.urls import path

from . import views

app_name = "flows"
urlpatterns = [
    path("<str:flow_id>/", views.StepView.as_view(), name="step"),
    path("<str:flow_id>/method/", views.MethodView.as_view(), name="method"),
    path("<str:flow_id>/cancel/", views.CancelView.as_view(), name="cancel"),
]
