"""The pure domain core of the issues service (整改)."""
