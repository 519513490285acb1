"""Station core: configuration, legal rules, evidence storage and services. No Qt here."""

__version__ = "0.1.0"
