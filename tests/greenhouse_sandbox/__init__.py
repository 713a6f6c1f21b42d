"""Tests of the local Greenhouse Harvest v3 sandbox."""
