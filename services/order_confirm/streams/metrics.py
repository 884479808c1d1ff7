"""`/metrics` of this process's live streams: how many are open, and how often they are woken and read."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.order_confirm.streams.hub import hubs


class StreamsCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        found = hubs()
        open_streams = GaugeMetricFamily("okno_live_streams", "Live console streams open on this process")
        open_streams.add_metric([], sum(hub.open_streams for hub in found))
        floors = GaugeMetricFamily("okno_live_stream_floors", "Open live streams that show a supervisor's floor")
        floors.add_metric([], sum(len(hub.floors) for hub in found))
        notes = CounterMetricFamily("okno_live_stream_wakeups", "Wake-up notes this process's subscriber received")
        notes.add_metric([], sum(hub.delivered for hub in found))
        resyncs = CounterMetricFamily(
            "okno_live_stream_resyncs", "Times the subscriber (re)subscribed and every open stream re-read"
        )
        resyncs.add_metric([], sum(hub.resyncs for hub in found))
        reads = CounterMetricFamily("okno_live_stream_reads", "Database reads by live streams (queue or floor)")
        reads.add_metric([], sum(hub.reads for hub in found))
        shared = CounterMetricFamily(
            "okno_live_stream_shared_reads", "Queue reads a stream took from another tab of the same login"
        )
        shared.add_metric([], sum(hub.shared_reads for hub in found))
        yield from (open_streams, floors, notes, resyncs, reads, shared)
