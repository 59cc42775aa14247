"""Pure definitions of an inspector's figures against the frequency rules."""
