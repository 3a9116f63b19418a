"""Planning and applying changes: state readers, the diff engine, change data."""
