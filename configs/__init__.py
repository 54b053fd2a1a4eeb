"""The knowledge files read at run time, shipped in the wheel as ``claimwire_configs``.

Only data lives here (TOML); find it with ``transforms.core.resources.configs_dir()``.
"""
