"""Number books (文号): the office year's numbers burnt by notices and hazards."""
