"""LED variable-message signs: packet builders, parsers and TCP clients."""
