"""Plate cameras that push their reads over HTTP: parsers, colour tables and the listener."""
