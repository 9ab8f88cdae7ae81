"""Reusable widgets: fuel tiles, traffic light, link badge, usage chart, navigation, overlay."""
