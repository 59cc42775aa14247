"""Prometheus metrics shared by every service (one definition, labelled by service)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_LATENCY = Histogram(
    "duxue_http_request_seconds",
    "HTTP request latency",
    ["service", "method", "route", "status"],
)
EVENTS_APPENDED = Counter(
    "duxue_events_appended_total", "Events stored in the event store", ["service", "type"]
)
EVENTS_PRODUCED = Counter(
    "duxue_events_produced_total", "Events the outbox relay published to Kafka", ["service"]
)
OUTBOX_PENDING = Gauge(
    "duxue_outbox_pending_commits", "Stored commits not yet on Kafka", ["service"]
)
EVENTS_CONSUMED = Counter(
    "duxue_events_consumed_total",
    "Events a consumer processed, by outcome (applied, duplicate, ignored, dead_lettered)",
    ["consumer", "outcome"],
)
HANDLER_SECONDS = Histogram(
    "duxue_consumer_batch_seconds", "Time to process and store one batch", ["consumer"]
)
CONSUMER_LAG = Gauge(
    "duxue_consumer_lag_messages",
    "Messages behind the partition's high water mark",
    ["consumer", "topic", "partition"],
)
DEAD_LETTERS = Counter(
    "duxue_dead_letters_total", "Messages sent to a dead-letter topic", ["consumer", "reason"]
)
REBUILD_EVENTS = Counter(
    "duxue_rebuild_events_replayed_total",
    "Records a rebuild read into a new generation of a read model",
    ["projection", "topic"],
)
REBUILD_PROGRESS = Gauge(
    "duxue_rebuild_progress_ratio",
    "Share of the end offsets captured at a rebuild's start replayed into the new generation",
    ["projection"],
)
NOTIFICATIONS = Counter(
    "duxue_notifications_total",
    "Notification attempts by channel and outcome (queued, sent, failed, dead_lettered)",
    ["channel", "outcome"],
)
NOTIFICATION_LATENCY = Histogram(
    "duxue_notification_latency_seconds",
    "From the cause event's time to the message's delivery, by channel",
    ["channel"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600),
)
