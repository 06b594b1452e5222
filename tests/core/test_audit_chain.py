"""The audit chains in core: keyed seals, partitions, the legacy segment and anchors."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from segl.core.audit import (
    GENESIS,
    LEGACY,
    MAX_BREAKS,
    ChainVerifier,
    StoredEvent,
    chain_digest,
    chain_mac,
    event_fields,
    verify_chain,
)

KEY = b"k" * 32
KEYS = {"a1": KEY}


def fields_of(seq, *, partition=0, kid="a1", subject=None):
    return event_fields(
        seq=seq,
        at=datetime(2026, 1, 1, tzinfo=UTC),
        action="a",
        outcome="ok",
        actor="",
        subject=subject or f"s{seq}",
        ip="",
        data={"n": seq},
        partition=partition,
        kid=kid,
    )


def chain(n, *, partition=0, key=KEY, kid="a1", genesis=GENESIS, first=1):
    prev = genesis
    out = []
    for seq in range(first, first + n):
        fields = fields_of(seq, partition=partition, kid=kid)
        digest = chain_mac(key, prev, fields)
        out.append(StoredEvent(fields, prev, digest, event_id=100 + seq))
        prev = digest
    return out


def legacy_chain(n):
    prev = GENESIS
    out = []
    for seq in range(1, n + 1):
        fields = fields_of(seq, partition=LEGACY)
        digest = chain_digest(prev, fields)
        out.append(StoredEvent(fields, prev, digest))
        prev = digest
    return out


def reseal(events, start, seal):
    """Change event ``start`` and recompute every seal from there with ``seal(prev, fields)``."""
    out = list(events[:start])
    prev = out[-1].digest if out else GENESIS
    for i, event in enumerate(events[start:]):
        fields = dict(event.fields)
        if i == 0:
            fields["subject"] = "someone else"
        digest = seal(prev, fields)
        out.append(StoredEvent(fields, prev, digest, event.event_id))
        prev = digest
    return out


def test_an_intact_chain_verifies():
    assert verify_chain(chain(5), partition=0, keys=KEYS) == []


@given(st.integers(min_value=0, max_value=4))
def test_any_changed_event_is_found(i):
    events = chain(5)
    e = events[i]
    events[i] = StoredEvent({**e.fields, "subject": "someone else"}, e.prev_digest, e.digest)
    breaks = verify_chain(events, partition=0, keys=KEYS)
    assert breaks and breaks[0].seq == i + 1 and breaks[0].partition == 0


def test_a_removed_event_is_found():
    events = chain(5)
    del events[2]
    breaks = verify_chain(events, partition=0, keys=KEYS)
    assert [b.seq for b in breaks] == [3]
    assert "#3 were removed" in breaks[0].reason


def test_each_seal_covers_the_one_before_it_and_the_key():
    fields = fields_of(1)
    assert chain_mac(KEY, GENESIS, fields) != chain_mac(KEY, "1" * 64, fields)
    assert chain_mac(KEY, GENESIS, fields) != chain_mac(b"x" * 32, GENESIS, fields)
    # A seal is not the plain hash anyone could compute.
    assert chain_mac(KEY, GENESIS, fields) != chain_digest(GENESIS, fields)


def test_a_chain_resealed_with_plain_sha256_is_found_at_the_first_resealed_event():
    events = reseal(chain(6), 2, chain_digest)
    breaks = verify_chain(events, partition=0, keys=KEYS)
    assert breaks[0].seq == 3 and "without the audit key" in breaks[0].reason
    assert breaks[0].event_id == 103


def test_a_chain_resealed_with_a_wrong_key_is_found_at_the_first_resealed_event():
    wrong = b"w" * 32
    events = reseal(chain(6), 1, lambda prev, fields: chain_mac(wrong, prev, fields))
    breaks = verify_chain(events, partition=0, keys=KEYS)
    assert breaks[0].seq == 2 and "without the audit key" in breaks[0].reason


def test_a_chain_resealed_with_the_key_passes_alone_but_not_against_an_anchor():
    original = chain(6)
    forged = reseal(original, 2, lambda prev, fields: chain_mac(KEY, prev, fields))
    assert verify_chain(forged, partition=0, keys=KEYS) == []
    verifier = ChainVerifier(partition=0, keys=KEYS, genesis=GENESIS)
    for event in forged[:2]:
        verifier.feed(event)
    verifier.anchor(seq=2, digest=original[1].digest, source="checkpoint A")
    for event in forged[2:]:
        verifier.feed(event)
    verifier.anchor(seq=6, digest=original[5].digest, source="checkpoint B")
    assert [(b.seq, "checkpoint B" in b.reason) for b in verifier.breaks] == [(6, True)]


def test_a_cut_tail_is_found_only_against_an_anchor():
    events = chain(6)
    assert verify_chain(events[:4], partition=0, keys=KEYS) == []
    verifier = ChainVerifier(partition=0, keys=KEYS, genesis=GENESIS)
    for event in events[:4]:
        verifier.feed(event)
    verifier.anchor(seq=6, digest=events[5].digest, source="the checkpoint")
    [problem] = verifier.breaks
    assert problem.seq == 5 and "removed" in problem.reason and "#6" in problem.reason


def test_an_unknown_key_id_is_named():
    events = chain(2, kid="old", key=b"o" * 32)
    breaks = verify_chain(events, partition=0, keys=KEYS)
    assert breaks[0].seq == 1 and "'old'" in breaks[0].reason


def test_rotated_keys_verify_while_both_are_configured():
    first = chain(3, kid="a1")
    second = chain(3, kid="a2", key=b"2" * 32, genesis=first[-1].digest, first=4)
    keys = {"a2": b"2" * 32, "a1": KEY}
    assert verify_chain(first + second, partition=0, keys=keys) == []
    assert [b.seq for b in verify_chain(first + second, partition=0, keys=KEYS)][:1] == [4]


def test_an_event_moved_to_another_partition_does_not_verify_there():
    events = chain(3, partition=1)
    assert verify_chain(events, partition=1, keys=KEYS) == []
    moved = [StoredEvent({**e.fields, "partition": 2}, e.prev_digest, e.digest) for e in events]
    assert verify_chain(moved, partition=2, keys=KEYS)


def test_keyed_partitions_start_where_the_legacy_segment_ended():
    legacy = legacy_chain(3)
    assert verify_chain(legacy) == []
    keyed = chain(2, genesis=legacy[-1].digest)
    assert verify_chain(keyed, partition=0, keys=KEYS, genesis=legacy[-1].digest) == []
    # Anyone can re-hash the legacy segment, but the keyed chain then no longer follows it.
    rehashed = reseal(legacy, 1, chain_digest)
    assert verify_chain(rehashed) == []
    breaks = verify_chain(keyed, partition=0, keys=KEYS, genesis=rehashed[-1].digest)
    assert breaks[0].seq == 1 and "does not follow" in breaks[0].reason


def test_breaks_are_capped_and_counted():
    events = chain(MAX_BREAKS + 5)
    verifier = ChainVerifier(partition=0, keys={"a1": b"w" * 32}, genesis=GENESIS)
    for event in events:
        verifier.feed(event)
    assert len(verifier.breaks) == MAX_BREAKS and verifier.more_breaks == 5
