"""Tests of the OTYS sandbox (unimap_connectors.otys.sandbox)."""
