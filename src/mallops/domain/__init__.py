"""Domain values: records, history, timers, escalations, events. Pure data, no I/O."""
