"""groundwork: a multi-account AWS foundation, planned from one config and applied in phases."""
