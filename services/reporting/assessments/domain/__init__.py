"""Assessments as data: versioned formulas, scores and rankings (pure)."""
