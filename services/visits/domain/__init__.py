"""The visits service's pure domain core: no I/O, no clock, no random ids."""
