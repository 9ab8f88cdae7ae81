"""The meter's own behaviour: power threshold, outages, voltage, safety, gas valve."""
