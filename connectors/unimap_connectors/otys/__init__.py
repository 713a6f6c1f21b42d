"""The OTYS connector: hooks, transport settings and the local OTYS sandbox."""
