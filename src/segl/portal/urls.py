from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("callback/", views.callback, name="callback"),
    path("logout/", views.logout, name="logout"),
    path("order/", views.order, name="order"),
    path("order/confirm/", views.order_confirm, name="order_confirm"),
    path("orders/<str:reference>/", views.order_status, name="order_status"),
    path("orders/<str:reference>/cancel/", views.order_cancel, name="order_cancel"),
    path("activate/", views.activate, name="activate"),
    path("activate/device/", views.activate_device, name="activate_device"),
    path("authenticators/<int:pk>/", views.authenticator, name="authenticator"),
    path(
        "authenticators/<int:pk>/<str:action>/",
        views.authenticator_action,
        name="authenticator_action",
    ),
    path("password/", views.password, name="password"),
    path("user-id/", views.user_id, name="user_id"),
    path("changes/<int:pk>/cancel/", views.change_cancel, name="change_cancel"),
    path("history/", views.history, name="history"),
    path("history/<int:pk>/not-me/", views.not_me, name="not_me"),
    path("fulfilment/", views.fulfilment, name="fulfilment"),
]
