"""The builders: one per Datadog object, from neutral specs (`migrate.translate.specs`) to API payloads.

`synthetic.build_check` (CheckSpec → API or browser test), `monitor.build_alert` (AlertSpec → monitor),
`dashboard.build_dashboard` (DashboardSpec → dashboard). Builders never import a source module; what they
had to change (a frequency snapped to an allowed value, a retry count capped) comes back as findings
for the front end to put in the ledger.
"""
