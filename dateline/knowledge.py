"""Small helpers every stage uses to read its knowledge files (YAML under dateline/data/<stage>/, extended
by the same files under the `data_dir` setting)."""
from __future__ import annotations


def yaml_loader():
    """libyaml's safe loader where PyYAML was built with it (several times faster), else the Python one."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def merge(base: dict, more: dict) -> None:
    """Merge a user's knowledge file into the bundled one, in place: mappings merged, lists extended with
    the new items, other values replaced."""
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        elif isinstance(value, list) and isinstance(base.get(key), list):
            base[key] = base[key] + [v for v in value if v not in base[key]]
        else:
            base[key] = value
