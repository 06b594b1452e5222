"""Hot queries compiled once (segl.prepared, decision 40): the same models as the ORM gives, the
same refusals, and only the lookups whose values cannot change on their way to SQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.transaction import TransactionManagementError

from segl import prepared
from segl.authenticators.models import Authenticator
from segl.identities.models import Identity

pytestmark = pytest.mark.django_db

IDENTITY = prepared.Prepared(
    lambda pk: Identity.objects.select_related("person").filter(pk=pk), pk=uuid.UUID
)
OWNED = prepared.Prepared(
    lambda identity_id, kind: (
        Authenticator.objects.select_related("device")
        .filter(identity_id=identity_id, kind=kind)
        .order_by("activated_at")
    ),
    identity_id=uuid.UUID,
    kind=str,
)


def _fields(instance) -> dict:
    return {k: v for k, v in vars(instance).items() if k != "_state"}


def test_it_gives_what_the_orm_gives_with_the_related_rows(anna):
    pk = anna.identity.pk
    expected = Identity.objects.select_related("person").get(pk=pk)
    for _ in range(2):  # built the first time, reused the second
        found = IDENTITY.get(pk=pk)
        assert type(found) is Identity and found._state.adding is False
        assert _fields(found) == _fields(expected)
        # The related row came with it, converted as the ORM converts (JSON, dates).
        assert _fields(found.person) == _fields(expected.person)
        assert isinstance(found.person.passport_numbers, list)
        assert found.created_at.tzinfo is not None


def test_each_call_runs_with_its_own_values(anna, eva):
    owned = OWNED.all(identity_id=eva.identity.pk, kind="code_display")
    assert [a.pk for a in owned] == list(
        Authenticator.objects.filter(identity=eva.identity, kind="code_display")
        .order_by("activated_at")
        .values_list("pk", flat=True)
    )
    assert owned and all(a.identity_id == eva.identity.pk for a in owned)
    assert owned[0].device.serial == eva.token.serial
    assert OWNED.first(identity_id=anna.identity.pk, kind="app") is None
    assert OWNED.first(identity_id=anna.identity.pk, kind="code_display").device.serial == (
        anna.token.serial
    )


def test_none_found_and_two_found_are_the_orms_errors(anna, eva):
    with pytest.raises(Identity.DoesNotExist):
        IDENTITY.get(pk=uuid.uuid4())
    everyone = prepared.Prepared(lambda ial: Identity.objects.filter(ial=ial), ial=str)
    with pytest.raises(Identity.MultipleObjectsReturned):
        everyone.get(ial="substantial")


def test_a_value_of_the_wrong_type_or_name_is_refused_before_any_sql():
    with pytest.raises(TypeError, match="pk must be UUID"):
        IDENTITY.get(pk=str(uuid.uuid4()))
    with pytest.raises(TypeError, match="expected the values"):
        IDENTITY.get(id=uuid.uuid4())
    with pytest.raises(TypeError, match="takes text"):
        prepared.Prepared(lambda at: Identity.objects.filter(created_at=at), at=datetime)


@pytest.mark.parametrize(
    "build",
    [
        # iexact escapes % and _ in some user IDs and not in others.
        lambda user_id: Identity.objects.filter(user_id__iexact=user_id),
        lambda user_id: Identity.objects.filter(user_id__contains=user_id),
        # Compared twice: which parameter is it?
        lambda user_id: (
            Identity.objects.filter(user_id=user_id)
            | Identity.objects.filter(person__given_name=user_id)
        ),
    ],
)
def test_a_lookup_that_may_change_its_value_is_refused_when_built(anna, build):
    query = prepared.Prepared(build, user_id=str)
    with pytest.raises(ValueError):
        query.all(user_id="anna-1234")


def test_a_user_id_with_like_wildcards_matches_only_itself(anna):
    by_user_id = prepared.Prepared(lambda u: Identity.objects.filter(user_id=u), u=str)
    assert by_user_id.first(u="anna-1234").pk == anna.identity.pk
    assert by_user_id.first(u="anna_1234") is None
    assert by_user_id.first(u="anna%") is None


@pytest.mark.django_db(transaction=True)  # no test transaction around it: autocommit
def test_a_locking_read_outside_a_transaction_is_refused(anna):
    locked = prepared.Prepared(
        lambda pk: Identity.objects.select_for_update().filter(pk=pk), pk=uuid.UUID
    )
    with transaction.atomic():
        assert locked.get(pk=anna.identity.pk).pk == anna.identity.pk
    assert not connection.in_atomic_block
    with pytest.raises(TransactionManagementError):
        locked.get(pk=anna.identity.pk)


def test_save_writes_the_named_fields_only(anna):
    identity = Identity.objects.get(pk=anna.identity.pk)
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=15)
    identity.password_failures, identity.password_locked_until = 3, until
    identity.preferred_method = "changed in memory, not saved"
    prepared.save(identity, update_fields=["password_failures", "password_locked_until"])
    stored = Identity.objects.get(pk=anna.identity.pk)
    assert stored.password_failures == 3 and stored.password_locked_until == until
    assert stored.preferred_method == anna.identity.preferred_method


def test_save_of_a_row_that_is_gone_is_refused_and_so_is_the_key(anna):
    identity = Identity.objects.get(pk=anna.identity.pk)
    identity.pk = uuid.uuid4()  # no such row
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        prepared.save(identity, update_fields=["password_failures"])
    with pytest.raises(ValueError, match="key"):
        prepared.save(identity, update_fields=["id"])
