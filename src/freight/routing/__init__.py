"""Road distance and time between stops: an offline estimate, or OSRM, Valhalla, GraphHopper."""
