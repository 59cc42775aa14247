"""The deterministic province simulator (issue 10): a province's year as real events.

``python -m benchmarks.province --seed 1 --schools 2000 --months 12 --mode topics --prefix X``
publishes it to prefixed Kafka topics; :mod:`benchmarks.province.http` drives the
services' own HTTP write path instead. See docs/simulator.md.
"""

from benchmarks.province.model import Province, Size, build
from benchmarks.province.simulate import Totals, simulate, totals

__all__ = ["Province", "Size", "Totals", "build", "simulate", "totals"]
