"""The hazard register (隐患台账): safety issues numbered and tracked."""
