"""Who may open the desk's pages. The test walks the desk's URL map, so a page added later
cannot forget its check: every page names its roles, and a citizen, an operator of another
centre and a fulfilment-only staff member get 403 or 404 on every one. The one exception is
the other centre's operator on the pages that belong to no case (the desk's start page, the
look-up): those are their own centre's desk, and show nothing of this centre."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import URLPattern, get_resolver

from segl.centres.approvals import approval_request
from segl.centres.visits import visit_document, visit_start
from tests.conftest import make_person
from tests.desk.conftest import desk_login
from tests.staff import CENTRE

PUBLIC = {"login", "callback", "logout", "centre"}


def desk_patterns() -> list[URLPattern]:
    resolver = get_resolver()
    (desk,) = [p for p in resolver.url_patterns if getattr(p, "namespace", "") == "desk"]
    return list(desk.url_patterns)


def test_every_desk_page_names_its_roles():
    for pattern in desk_patterns():
        roles = getattr(pattern.callback, "desk_roles", None)
        assert roles is not None, f"{pattern.name} is mounted without staff_only or public"
        assert bool(roles) == (pattern.name not in PUBLIC), pattern.name


@pytest.fixture
def open_case(staff, clock):
    """A visit and a request waiting at the centre, so their pages exist for the walk."""
    citizen = make_person("walk-citizen")
    visit = visit_start(
        person=citizen.identity.person, operator=staff.operator, centre=CENTRE, now=clock()
    )
    visit = visit_document(
        visit=visit,
        kind="passport",
        number="207112233",
        country="DNK",
        expiry=date(2030, 1, 1),
        now=clock(),
    )
    approval = approval_request(
        visit=visit, action="lift_lock", operator=staff.operator, now=clock()
    )
    return {"pk": visit.pk, "visit": visit, "approval": approval}


def urls(case) -> list[str]:
    found = []
    for pattern in desk_patterns():
        if pattern.name in PUBLIC:
            continue
        route = str(pattern.pattern)
        pk = case["approval"].pk if pattern.name == "approval" else case["visit"].pk
        route = re.sub(r"<token:proofing_id>", "no-such-face", route)
        found.append("/desk/" + re.sub(r"<id:pk>", str(pk), route))
    return found


def roles_of_url(url: str) -> frozenset[str]:
    from django.urls import resolve

    return resolve(url).func.desk_roles


def test_the_staff_reach_the_pages_of_their_roles(staff, open_case):
    for who, roles in (("operator", {"operator"}), ("packer", {"fulfilment"})):
        desk = desk_login(getattr(staff, who))
        for url in urls(open_case):
            if url.endswith(f"/approvals/{open_case['approval'].pk}/"):
                continue  # the operator's own request: refused to them (test_desk_pages)
            response = desk.get(url)
            allowed = (200, 405) if roles & roles_of_url(url) else (403,)
            if "no-such-face" in url and roles & roles_of_url(url):
                allowed = (404,)
            assert response.status_code in allowed, (who, url, response.status_code)


@pytest.mark.parametrize("who", ["citizen", "elsewhere", "packer"])
def test_outsiders_get_nothing_anywhere(staff, open_case, who):
    identity = make_person("just-a-citizen").identity if who == "citizen" else getattr(staff, who)
    browser = desk_login(identity)
    held = {"citizen": set(), "elsewhere": {"operator", "supervisor"}, "packer": {"fulfilment"}}[
        who
    ]
    for url in urls(open_case):
        own_desk = who == "elsewhere" and not re.search(r"/\d+/", url)
        if who == "packer" and "fulfilment" in roles_of_url(url):
            continue  # their own pages (the test above)
        for method in (browser.get, browser.post):
            response = method(url)
            mine = own_desk and held & roles_of_url(url)
            allowed = (200, 302, 400, 404, 405) if mine else (403, 404)
            assert response.status_code in allowed, (who, url, method, response.status_code)
            assert (
                b"walk-citizen" not in response.content and b"Test Person" not in response.content
            )
    open_case["approval"].refresh_from_db()
    assert open_case["approval"].status == "pending"


def test_without_a_login_every_page_asks_for_one(open_case, client):
    for url in urls(open_case):
        got = client.get(url)
        assert got.status_code in (302, 405) and (
            got.status_code == 405 or got["Location"].startswith("/desk/login/")
        )
        assert client.post(url).status_code == 403


def test_a_desk_login_ends_after_ten_idle_minutes_and_its_lifetime(staff, clock, config):
    from datetime import timedelta

    desk = desk_login(staff.operator)
    clock.advance(timedelta(minutes=9))
    assert desk.get("/desk/").status_code == 200
    clock.advance(timedelta(minutes=10, seconds=1))
    assert desk.get("/desk/")["Location"].startswith("/desk/login/")
    config(desk_session_minutes=30)
    busy = desk_login(staff.operator)
    for _ in range(4):
        clock.advance(timedelta(minutes=8))
        busy.get("/desk/")
    assert busy.get("/desk/")["Location"].startswith("/desk/login/")  # 32 minutes after login


def test_a_portal_login_does_not_open_the_desk(staff, client):
    from tests.conftest import Person
    from tests.portal.conftest import portal_login

    operator = Person(user_id=staff.operator.user_id, identity=staff.operator, token=None)  # type: ignore[arg-type]
    portal = portal_login(client, operator)
    assert portal.get("/desk/")["Location"].startswith("/desk/login/")
