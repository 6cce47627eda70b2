"""Pure time-series logic (pandas, pint): units, resampling, belief selection, stats, status."""
