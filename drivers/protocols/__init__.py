"""Serial indicator protocols: pure framers/decoders (and encoders, for the simulators)."""
