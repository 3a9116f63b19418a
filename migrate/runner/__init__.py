"""Planning and (issue 3) applying changes: state readers, the diff engine, change data."""
