"""The lane workflow: device readings in, legal records, cases and lane signals out."""
