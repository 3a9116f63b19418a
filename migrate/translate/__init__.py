"""Translation: inventory + mapping rules → desired Datadog resources + a ledger entry per object."""
