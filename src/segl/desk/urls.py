from django.urls import path, register_converter

from .views import approvals, centre, helping, login, reviews, supervision, visits


class RowId:
    """A row's id: at most 18 digits, so no database is asked for a number it cannot hold."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(RowId, "id")


class Token:
    """A proofing's id: letters, digits, - and _ (at most 22)."""

    regex = "[A-Za-z0-9_-]{1,22}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(Token, "token")

app_name = "desk"
urlpatterns = [
    path("", visits.home, name="home"),
    path("login/", login.login, name="login"),
    path("callback/", login.callback, name="callback"),
    path("logout/", login.logout, name="logout"),
    path("centre/", login.centre, name="centre"),
    path("visits/", visits.visit_new, name="visit_new"),
    path("visits/<id:pk>/", visits.visit, name="visit"),
    path("visits/<id:pk>/document/", visits.document, name="document"),
    path("visits/<id:pk>/ask/", visits.ask, name="ask"),
    path("visits/<id:pk>/end/", visits.end, name="end"),
    path("visits/<id:pk>/display/", helping.pair, name="pair"),
    path("visits/<id:pk>/display/ask/", helping.ask_display, name="ask_display"),
    path("visits/<id:pk>/display/state/", helping.display_state, name="display_state"),
    path("visits/<id:pk>/device/", helping.device, name="device"),
    path("visits/<id:pk>/chip/", helping.chip, name="chip"),
    path("visits/<id:pk>/no-photo-id/", helping.no_photo_id, name="no_photo_id"),
    path("visits/<id:pk>/letter/", helping.letter, name="letter"),
    path("visits/<id:pk>/app-code/", helping.app_code, name="app_code"),
    path("visits/<id:pk>/pickup/", helping.pickup, name="pickup"),
    path("approvals/<id:pk>/", approvals.approval, name="approval"),
    path("fulfilment/", centre.fulfilment, name="fulfilment"),
    path("stock/", centre.stock, name="stock"),
    path("log/", supervision.log, name="log"),
    path("staff/", supervision.team, name="staff"),
    path("reviews/", reviews.reviews, name="reviews"),
    path("reviews/<token:proofing_id>/", reviews.review, name="review"),
]
