"""OpenTelemetry export: GenAI attributes and exact cost on spans, token metrics."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import anthropic
from _track_server import MODEL, USAGE_CACHE_SPLIT, ReplayServer, json_reply, sse_reply
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tokentrail.track import flush, track
from tokentrail.track.otel import OTelExporter

# Sonnet 4.6: 3 uncached input at $3, 500 5m writes at $3.75, 1000 1h writes at $6, 44 out at $15.
COST = (Decimal(3) * 3 + Decimal(500) * Decimal("3.75") + Decimal(1000) * 6 + Decimal(44) * 15) / (
    10**6
)


def test_spans_and_metrics(server: ReplayServer, ledger_path: Path) -> None:
    spans = InMemorySpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(spans))
    reader = InMemoryMetricReader()
    mp = MeterProvider(metric_readers=[reader])
    client = track(
        anthropic.Anthropic(api_key="k", base_url=server.url),
        ledger=ledger_path,
        listeners=(OTelExporter(tp, mp),),
    )
    server.push(json_reply("msg_o1", USAGE_CACHE_SPLIT), sse_reply("msg_o2", USAGE_CACHE_SPLIT))
    client.messages.create(model=MODEL, max_tokens=5, messages=[{"role": "user", "content": "x"}])
    with client.messages.stream(
        model=MODEL, max_tokens=5, messages=[{"role": "user", "content": "x"}]
    ) as s:
        s.until_done()
    flush()
    got = spans.get_finished_spans()
    assert [sp.name for sp in got] == [f"chat {MODEL}", f"chat {MODEL}"]
    first, second = got
    a = dict(first.attributes or {})
    assert first.kind == SpanKind.CLIENT
    assert a["gen_ai.system"] == a["gen_ai.provider.name"] == "anthropic"
    assert a["gen_ai.request.model"] == a["gen_ai.response.model"] == MODEL
    assert a["gen_ai.response.id"] == "msg_o1"
    assert a["anthropic.request_id"] == server.served_ids[0]
    assert a["gen_ai.usage.input_tokens"] == 3 + 1500
    assert a["gen_ai.usage.output_tokens"] == 44
    assert a["gen_ai.usage.cache_creation.input_tokens"] == 1500
    assert a["gen_ai.usage.cache_read.input_tokens"] == 0
    assert a["anthropic.usage.cache_creation.ephemeral_1h_input_tokens"] == 1000
    assert Decimal(str(a["tokentrail.cost_usd"])) == COST
    assert isinstance(a["tokentrail.cost_usd"], str)
    assert tuple(a["gen_ai.response.finish_reasons"]) == ("end_turn",)  # type: ignore[arg-type]
    assert first.start_time is not None
    assert first.end_time is not None
    assert first.start_time <= first.end_time
    b = dict(second.attributes or {})
    assert b["gen_ai.response.id"] == "msg_o2"
    assert b["gen_ai.request.stream"] is True
    assert b["gen_ai.usage.output_tokens"] == 44

    data = reader.get_metrics_data()
    assert data is not None
    metrics = {
        m.name: m for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
    }
    points = metrics["gen_ai.client.token.usage"].data.data_points
    by_type = {p.attributes["gen_ai.token.type"]: p for p in points}  # type: ignore[index]
    assert by_type["input"].sum == 2 * 1503
    assert by_type["output"].sum == 2 * 44
    assert by_type["input"].count == 2
    (cost_point,) = metrics["tokentrail.cost"].data.data_points
    assert abs(Decimal(str(cost_point.value)) - 2 * COST) < Decimal("1e-9")


def test_compaction_iterations_count_in_run_usage_and_spans(
    server: ReplayServer, ledger_path: Path
) -> None:
    """The top level of a usage with a compaction iteration leaves that iteration out; the
    run's usage and the span's gen_ai.usage.* follow the record (the billed tokens)."""
    from tokentrail.track import run

    usage = {
        "input_tokens": 23000, "output_tokens": 1000,
        "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
        "iterations": [
            {"type": "compaction", "input_tokens": 180000, "output_tokens": 3500,
             "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0},
            {"type": "message", "input_tokens": 23000, "output_tokens": 1000,
             "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0},
        ],
    }  # fmt: skip
    spans = InMemorySpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(spans))
    client = track(
        anthropic.Anthropic(api_key="k", base_url=server.url),
        ledger=ledger_path,
        listeners=(OTelExporter(tp, metrics=False),),
    )
    server.push(json_reply("msg_cp", usage))
    with run("compact") as r:
        client.beta.messages.create(
            model=MODEL, max_tokens=5, messages=[{"role": "user", "content": "x"}]
        )
    flush()
    (span,) = spans.get_finished_spans()
    a = dict(span.attributes or {})
    assert len(r.records) == 1
    assert (r.usage.input_tokens, r.usage.output_tokens) == (180000 + 23000, 3500 + 1000)
    assert (a["gen_ai.usage.input_tokens"], a["gen_ai.usage.output_tokens"]) == (203000, 4500)
    # $3 / MTok input, $15 / MTok output over both iterations.
    assert r.cost == (Decimal(203000) * 3 + Decimal(4500) * 15) / Decimal(10**6)
