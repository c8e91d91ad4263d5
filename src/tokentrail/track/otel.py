"""OpenTelemetry export of tracked usage (optional extra ``otel``).

``track(client, listeners=(OTelExporter(),))`` emits, per completed response:

* a ``CLIENT`` span named ``"chat <request model>"`` covering the call (request start to
  last byte), with the GenAI semantic-convention attributes ``gen_ai.operation.name``
  (``"chat"``), ``gen_ai.provider.name`` and the older ``gen_ai.system`` (``"anthropic"``),
  ``gen_ai.request.model``, ``gen_ai.response.model``, ``gen_ai.response.id``,
  ``gen_ai.response.finish_reasons``, ``gen_ai.usage.input_tokens``,
  ``gen_ai.usage.output_tokens``, ``gen_ai.usage.cache_read.input_tokens`` and
  ``gen_ai.usage.cache_creation.input_tokens``; plus ``anthropic.request_id``, the TTL split
  (``anthropic.usage.cache_creation.ephemeral_5m_input_tokens`` / ``..._1h_...``), server
  tool counts, and the cost ``tokentrail.cost_usd`` (USD as an exact decimal *string*;
  absent when the model is unpriced, with ``tokentrail.unpriced = true``);
* metrics (when ``metrics=True``): the ``gen_ai.client.token.usage`` histogram
  (``{token}``, ``gen_ai.token.type`` = ``input`` / ``output``) and the
  ``tokentrail.cost`` counter (``USD``; a float by OpenTelemetry's data model, the exact
  value stays on the span).

Per the conventions, ``gen_ai.usage.input_tokens`` counts **all** input tokens (uncached +
cache writes + cache reads); the uncached part is ``anthropic.usage.uncached_input_tokens``.
Providers default to the global ones (``opentelemetry.trace`` / ``metrics``). Needs
``opentelemetry-api`` (``pip install 'tokentrail[otel]'``); imported only when used.
"""

from __future__ import annotations

from typing import Any

import msgspec

from tokentrail.ingest.records import CCRecord
from tokentrail.ledger.costing import pico_to_usd
from tokentrail.track.recorder import CallInfo

__all__ = ["OTelExporter", "record_attributes"]

SCOPE = "tokentrail"


def record_attributes(
    rec: CCRecord, cost_pico: int | None, request_model: str | None = None
) -> dict[str, Any]:
    """The span attributes of one record (see the module docstring)."""
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.system": "anthropic",
        "gen_ai.request.model": request_model or rec.model,
        "gen_ai.response.model": rec.model,
        "gen_ai.usage.input_tokens": rec.input_tokens
        + rec.cache_creation_tokens
        + rec.cache_read_tokens,
        "gen_ai.usage.output_tokens": rec.output_tokens,
        "gen_ai.usage.cache_read.input_tokens": rec.cache_read_tokens,
        "gen_ai.usage.cache_creation.input_tokens": rec.cache_creation_tokens,
        "anthropic.usage.uncached_input_tokens": rec.input_tokens,
        "anthropic.usage.cache_creation.ephemeral_5m_input_tokens": rec.cache_5m_tokens,
        "anthropic.usage.cache_creation.ephemeral_1h_input_tokens": rec.cache_1h_tokens,
        "tokentrail.source": rec.source,
    }
    if rec.message_id:
        attrs["gen_ai.response.id"] = rec.message_id
    if rec.request_id:
        attrs["anthropic.request_id"] = rec.request_id
    if rec.stop_reason:
        attrs["gen_ai.response.finish_reasons"] = [rec.stop_reason]
    if rec.service_tier:
        attrs["anthropic.response.service_tier"] = rec.service_tier
    if rec.web_search_requests:
        attrs["anthropic.usage.server_tool_use.web_search_requests"] = rec.web_search_requests
    if rec.web_fetch_requests:
        attrs["anthropic.usage.server_tool_use.web_fetch_requests"] = rec.web_fetch_requests
    if cost_pico is None:
        attrs["tokentrail.unpriced"] = True
    else:
        usd = format(pico_to_usd(cost_pico).normalize(), "f")
        attrs["tokentrail.cost_usd"] = "0" if usd in ("0", "-0") else usd
    if rec.run_id:
        attrs["tokentrail.run_id"] = rec.run_id
    if rec.tags_json:
        for k, v in msgspec.json.decode(rec.tags_json).items():
            attrs[f"tokentrail.tag.{k}"] = str(v)
    return attrs


class OTelExporter:
    """A :data:`~tokentrail.track.recorder.Listener` that emits spans and (optionally)
    metrics for each record. ``tracer_provider`` / ``meter_provider``: explicit providers
    (default: the global ones); ``spans`` / ``metrics`` switch each output."""

    def __init__(
        self,
        tracer_provider: Any = None,
        meter_provider: Any = None,
        *,
        spans: bool = True,
        metrics: bool = True,
    ) -> None:
        from opentelemetry import metrics as otel_metrics
        from opentelemetry import trace

        self._trace = trace
        self._tracer = trace.get_tracer(SCOPE, tracer_provider=tracer_provider) if spans else None
        self._tokens: Any = None
        self._cost: Any = None
        if metrics:
            meter = otel_metrics.get_meter(SCOPE, meter_provider=meter_provider)
            self._tokens = meter.create_histogram(
                "gen_ai.client.token.usage",
                unit="{token}",
                description="Measures number of input and output tokens used",
            )
            self._cost = meter.create_counter(
                "tokentrail.cost", unit="USD", description="Cost of completed requests"
            )

    def __call__(self, rec: CCRecord, cost_pico: int | None, call: CallInfo) -> None:
        attrs = record_attributes(rec, cost_pico, call.request_model)
        if self._tracer is not None:
            span = self._tracer.start_span(
                f"chat {attrs['gen_ai.request.model']}",
                kind=self._trace.SpanKind.CLIENT,
                attributes=attrs,
                start_time=call.started_ns,
            )
            if call.stream:
                span.set_attribute("gen_ai.request.stream", True)
            span.end(end_time=call.ended_ns or None)
        if self._tokens is not None:
            base = {
                k: attrs[k]
                for k in (
                    "gen_ai.operation.name",
                    "gen_ai.provider.name",
                    "gen_ai.request.model",
                    "gen_ai.response.model",
                )
            }
            self._tokens.record(
                attrs["gen_ai.usage.input_tokens"], {**base, "gen_ai.token.type": "input"}
            )
            self._tokens.record(rec.output_tokens, {**base, "gen_ai.token.type": "output"})
            if cost_pico is not None:
                self._cost.add(cost_pico / 10**12, base)  # float ok: OTel counters are floats
