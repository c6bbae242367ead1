//! riv's domain: one consumer per stage over port traits, the workflow table, decisions and rollback planning.
