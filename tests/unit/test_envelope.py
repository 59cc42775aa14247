from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.envelope import Actor, EventEnvelope
from shared.jurisdiction import Jurisdiction
from tests.unit.test_jurisdiction import jurisdictions

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
ids = st.text(st.characters(codec="utf-8", exclude_categories=SURROGATES), min_size=1, max_size=40)


@st.composite
def envelopes(draw: st.DrawFn) -> EventEnvelope:
    return EventEnvelope(
        event_id=draw(st.uuids()),
        event_type="cn.duxue.test." + draw(st.from_regex(r"[a-z_]{1,20}", fullmatch=True)),
        schema_version=draw(st.integers(1, 9)),
        source="/duxue/" + draw(st.from_regex(r"[a-z]{1,10}", fullmatch=True)),
        stream_id=draw(ids),
        stream_version=draw(st.integers(1, 10**9)),
        partition_key=draw(ids),
        occurred_at=draw(moments),
        recorded_at=draw(moments),
        actor=Actor(user_id=draw(ids), role="inspector"),
        jurisdiction=draw(jurisdictions()),
        correlation_id=str(draw(st.uuids())),
        causation_id=draw(st.none() | st.uuids().map(str)),
        payload=draw(st.dictionaries(st.text(max_size=10), json_values, max_size=6)),
    )


@given(envelopes())
def test_envelope_round_trips_through_kafka_bytes(event: EventEnvelope) -> None:
    assert EventEnvelope.from_bytes(event.to_bytes()) == event


@given(envelopes())
def test_cloudevent_carries_the_required_attributes(event: EventEnvelope) -> None:
    ce = event.to_cloudevent()
    assert ce["specversion"] == "1.0"
    assert ce["id"] == str(event.event_id)
    assert ce["subject"] == event.stream_id
    assert ce["streamversion"] == event.stream_version
    assert ce["jurisdiction"] == event.jurisdiction.path
    assert all(key.isalnum() and key.islower() for key in ce)  # CloudEvents attribute naming


def test_timestamps_are_utc_with_z() -> None:
    eight_hours_later = datetime(2026, 9, 1, 8, 0, tzinfo=UTC) + timedelta(hours=8)
    event = EventEnvelope(
        event_id=UUID(int=1),
        event_type="cn.duxue.test.x",
        schema_version=1,
        source="/duxue/t",
        stream_id="s",
        stream_version=1,
        partition_key="s",
        occurred_at=eight_hours_later,
        recorded_at=eight_hours_later,
        actor=Actor(user_id="u", role="inspector"),
        jurisdiction=Jurisdiction(province="510000"),
        correlation_id="c",
        payload={},
    )
    assert event.to_cloudevent()["time"] == "2026-09-01T16:00:00.000000Z"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\xff", "not a JSON event"),
        (b"[]", "not a JSON object"),
        (b'{"specversion": "0.3"}', "unsupported CloudEvents"),
        (b'{"specversion": "1.0", "id": "x"}', "lacks attribute"),
    ],
)
def test_malformed_bytes_raise_value_error(raw: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EventEnvelope.from_bytes(raw)
