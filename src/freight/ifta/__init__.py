"""IFTA: miles per US state and Canadian province from GPS tracks, fuel purchases, and the
quarterly summary (miles, taxable and purchased gallons, MPG per jurisdiction)."""
