"""Neutral specs: what a source front end says it wants in Datadog, before any payload exists.

A front end (prometheus/, grafana/, later newrelic/, pingdom/) turns its objects into these dataclasses;
the builders in `migrate.translate.build` turn them into API payloads. Specs import no source module and
no builder, so a new source touches neither side.
"""
