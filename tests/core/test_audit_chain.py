from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from segl.core.audit import GENESIS, chain_digest, event_fields, verify_chain


def chain(n: int):
    prev = GENESIS
    out = []
    for seq in range(1, n + 1):
        fields = event_fields(
            seq=seq,
            at=datetime(2026, 1, 1, tzinfo=UTC),
            action="a",
            outcome="ok",
            actor="",
            subject=f"s{seq}",
            ip="",
            data={"n": seq},
        )
        digest = chain_digest(prev, fields)
        out.append((fields, prev, digest))
        prev = digest
    return out


def test_an_intact_chain_verifies():
    assert verify_chain(chain(5)) == []


@given(st.integers(min_value=0, max_value=4))
def test_any_changed_event_is_found(i):
    events = chain(5)
    fields, prev, digest = events[i]
    events[i] = ({**fields, "subject": "someone else"}, prev, digest)
    breaks = verify_chain(events)
    assert breaks and breaks[0].seq == i + 1


def test_a_removed_event_is_found():
    events = chain(5)
    del events[2]
    breaks = verify_chain(events)
    assert {b.seq for b in breaks} == {4}
    assert any("missing" in b.reason for b in breaks)


def test_each_digest_covers_the_one_before_it():
    fields, _, _ = chain(1)[0]
    assert chain_digest(GENESIS, fields) != chain_digest("1" * 64, fields)
