"""Datadog side: one module per resource type, the vendored API schema, ownership markers, the client."""
