from django.urls import path

from .views import account, activation, appointments, devices, fulfilment, history, login, orders

app_name = "portal"
urlpatterns = [
    path("", login.home, name="home"),
    path("login/", login.login, name="login"),
    path("callback/", login.callback, name="callback"),
    path("logout/", login.logout, name="logout"),
    path("order/", orders.order, name="order"),
    path("order/confirm/", orders.order_confirm, name="order_confirm"),
    path("orders/<str:reference>/", orders.order_status, name="order_status"),
    path("orders/<str:reference>/cancel/", orders.order_cancel, name="order_cancel"),
    path("activate/", activation.activate, name="activate"),
    path("activate/device/", activation.activate_device, name="activate_device"),
    path("activate/chip/", activation.activate_chip, name="activate_chip"),
    path("activate/chip/connect/", activation.activate_chip_connect, name="activate_chip_connect"),
    path("authenticators/<int:pk>/", devices.authenticator, name="authenticator"),
    path(
        "authenticators/<int:pk>/<str:action>/",
        devices.authenticator_action,
        name="authenticator_action",
    ),
    path("password/", account.password, name="password"),
    path("user-id/", account.user_id, name="user_id"),
    path("phone/", account.phone, name="phone"),
    path("changes/<int:pk>/cancel/", devices.change_cancel, name="change_cancel"),
    path("history/", history.history, name="history"),
    path("history/<int:pk>/not-me/", history.not_me, name="not_me"),
    path("fulfilment/", fulfilment.fulfilment, name="fulfilment"),
    path("appointments/", appointments.book, name="book"),
    path("appointments/<str:reference>/", appointments.appointment, name="appointment"),
]
