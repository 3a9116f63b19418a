"""TRANSLATORS: inventory source name → the translator for its objects. Adding a source is one line."""

from __future__ import annotations

from migrate.translate.base import Translator
from migrate.translate.grafana.dashboards import TRANSLATOR as GRAFANA
from migrate.translate.newrelic.translator import NEWRELIC
from migrate.translate.pingdom.checks import TRANSLATOR as PINGDOM
from migrate.translate.prometheus.rules import PROMETHEUS

TRANSLATORS: dict[str, Translator] = {
    "prometheus": PROMETHEUS,
    "grafana": GRAFANA,
    "newrelic": NEWRELIC,
    "pingdom": PINGDOM,
}
