"""The station side of the province interface (province-api.md): signing, transport, passes.

Everything province-specific sits behind `ProvinceAdapter`-shaped code in this package;
another province's format would be another package, not changes to the core.
"""
