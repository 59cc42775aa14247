"""Monthly self-inspection reports (月自查) and their weekly zone consolidation."""
