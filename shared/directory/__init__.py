"""The directory as every service reads it: one projection class, one lookup.

The directory (schools, zones, inspectors, listings) is owned and written by the visits
service; every other service that needs its facts keeps its *own* copy of this read
model, folded from ``duxue.directory.events`` into its own database under its own
projection name. No service asks another one over HTTP.
"""
