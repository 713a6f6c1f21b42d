"""unimap: map a unified ATS model onto vendor APIs through declarative YAML specs."""

__version__ = "0.1.0"
