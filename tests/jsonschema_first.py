"""Loaded before pytest's own plugins (``-p jsonschema_first`` in pyproject.toml's ``addopts``): jsonschema
as the report runner imports it (:func:`scoring.reports.warm.load_jsonschema`), before nbval's plugin
imports it with the grammar of ``rfc3987_syntax`` compiled, 1.2 s of CPU in every pytest process (the
controller and each worker)."""

from scoring.reports.warm import load_jsonschema

load_jsonschema()
