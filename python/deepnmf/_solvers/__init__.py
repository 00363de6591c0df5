"""Solver families: sweeps of block updates over a layer's data (``_engine.data``), run by
the one driver (``_engine.driver.run``). One module per family."""
