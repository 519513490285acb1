"""Device drivers: bytes <-> readings. Transports, framers, protocol decoders, Modbus, simulators.

No Qt and no station rules here; drivers depend on station's plain value types at most.
"""
