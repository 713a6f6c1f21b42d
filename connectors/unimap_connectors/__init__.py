"""Connector plugins shipped with unimap (import name ``unimap_connectors``)."""
