"""Pure definitions of the roll-ups: the units of the tree, periods and figures."""
