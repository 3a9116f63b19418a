"""The NerdGraph documents the collector sends, one named operation each.

Field sets follow newrelic-client-go (pkg/dashboards getDashboardEntityQuery, pkg/alerts nrql_conditions.go,
pkg/notifications, pkg/workflows) and the NerdGraph synthetics docs; see
../shared/reference/newrelic-pingdom-facts.md §3.2. Every listing declares `$cursor` and asks for
`nextCursor`: the published clients that omit it stop at 200 entities or 250 workflows. The operation
name is what a recording is matched on (replay.py), so it is part of the contract: do not rename one
without re-recording.
"""

from __future__ import annotations

ENTITY_SEARCH = """query EntitySearch($query: String!, $cursor: String) { actor { entitySearch(query: $query) {
  count
  results(cursor: $cursor) { nextCursor entities {
    guid name accountId domain type tags { key values }
    ... on DashboardEntityOutline { dashboardParentGuid permissions createdAt updatedAt }
    ... on SyntheticMonitorEntityOutline { monitorId monitorType monitoredUrl period }
    ... on SecureCredentialEntityOutline { description updatedAt }
    ... on ApmApplicationEntityOutline { language applicationId }
  } } } } }"""

_NRQL = "nrqlQueries { accountId query }"
DASHBOARD = (
    """query Dashboard($guid: EntityGuid!) { actor { entity(guid: $guid) { guid ... on DashboardEntity {
  __typename accountId createdAt dashboardParentGuid description indexedAt name owner { email userId }
  pages { createdAt description guid name owner { email userId } updatedAt
    widgets { rawConfiguration
      configuration { area { NRQL } bar { NRQL } billboard { NRQL thresholds { alertSeverity value } }
        line { NRQL } markdown { text } pie { NRQL } table { NRQL } }
      layout { column height row width } title visualization { id } id
      linkedEntities { __typename guid name accountId tags { key values }
        ... on DashboardEntityOutline { dashboardParentGuid } } } }
  permalink permissions tags { key values } updatedAt
  variables { defaultValues { value { string } } isMultiSelection items { title value } name
    options { excluded ignoreTimeRange showApplyAction } nrqlQuery { accountIds query } replacementStrategy title type }
  } } } }"""
).replace("NRQL", _NRQL)

POLICIES = """query Policies($accountId: Int!, $cursor: String) { actor { account(id: $accountId) { alerts {
  policiesSearch(cursor: $cursor) { nextCursor totalCount
    policies { accountId id incidentPreference name } } } } } }"""

NRQL_CONDITIONS = """query NrqlConditions($accountId: Int!, $cursor: String) {
  actor { account(id: $accountId) { alerts {
  nrqlConditionsSearch(cursor: $cursor) { nextCursor totalCount nrqlConditions {
    id name nrql { evaluationOffset query dataAccountId } enabled entityGuid description titleTemplate policyId
    runbookUrl
    terms { operator priority threshold thresholdDuration thresholdOccurrences disableHealthStatusReporting }
    type violationTimeLimit violationTimeLimitSeconds
    expiration { closeViolationsOnExpiration expirationDuration openViolationOnExpiration ignoreOnExpectedTermination }
    signal { aggregationWindow evaluationOffset evaluationDelay fillOption fillValue aggregationMethod aggregationDelay
      aggregationTimer slideBy }
    ... on AlertsNrqlBaselineCondition { baselineDirection signalSeasonality }
    ... on AlertsNrqlOutlierCondition { outlierConfiguration {
      ... on AlertsOutlierDbScanConfiguration { algorithm epsilon minimumPoints evaluationGroupFacet } } }
    ... on AlertsNrqlStaticCondition { terms { prediction { predictBy preferPredictionViolation } } }
  } } } } } }"""

_PAYLOAD_ERRORS = "error { description details type } errors { description details type }"
DESTINATIONS = (
    """query Destinations($accountId: Int!, $cursor: String) { actor { account(id: $accountId) {
  aiNotifications { destinations(cursor: $cursor) {
    entities { accountId active auth { ... on AiNotificationsBasicAuth { authType user }
        ... on AiNotificationsTokenAuth { authType } }
      createdAt guid id isUserAuthenticated lastSent name properties { displayValue key label value }
      secureUrl { prefix } status type updatedAt }
    ERRORS nextCursor totalCount } } } } }"""
).replace("ERRORS", _PAYLOAD_ERRORS)

CHANNELS = (
    """query Channels($accountId: Int!, $cursor: String) { actor { account(id: $accountId) {
  aiNotifications { channels(cursor: $cursor) {
    entities { accountId active createdAt destinationId id name product
      properties { displayValue key label value } status type updatedAt }
    ERRORS nextCursor totalCount } } } } }"""
).replace("ERRORS", _PAYLOAD_ERRORS)

WORKFLOWS = """query Workflows($accountId: Int!, $cursor: String) { actor { account(id: $accountId) {
  aiWorkflows { workflows(cursor: $cursor) {
    entities { id name workflowEnabled destinationsEnabled mutingRulesHandling
      destinationConfigurations { channelId name notificationTriggers type updateOriginalMessage }
      issuesFilter { id name type predicates { attribute operator values } }
      enrichments { id name type configurations { ... on AiWorkflowsNrqlConfiguration { query } } } }
    nextCursor totalCount } } } } }"""

SCRIPT = """query MonitorScript($accountId: Int!, $guid: EntityGuid!) { actor { account(id: $accountId) {
  synthetics { script(monitorGuid: $guid) { text } } } } }"""

STEPS = """query MonitorSteps($accountId: Int!, $guid: EntityGuid!) { actor { account(id: $accountId) {
  synthetics { steps(monitorGuid: $guid) { ordinal type values } } } } }"""


def search(kind: str, account_id: int) -> str:
    """The entitySearch query string for one entity kind of one account (built here, not by NerdGraph
    interpolation: a `$variable` inside a string literal is not substituted)."""
    return f"{kind} AND accountId = {account_id}"


DASHBOARDS = "type = 'DASHBOARD'"
MONITORS = "domain = 'SYNTH' AND type = 'MONITOR'"
SECURE_CREDENTIALS = "domain = 'SYNTH' AND type = 'SECURE_CRED'"
CONDITION_ENTITIES = "domain = 'AIOPS' AND type = 'CONDITION'"
APM_APPLICATIONS = "domain = 'APM' AND type = 'APPLICATION'"

SCRIPTED = frozenset({"SCRIPT_API", "SCRIPT_BROWSER"})
STEPPED = frozenset({"STEP_MONITOR"})
