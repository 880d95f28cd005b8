"""BPMN files: the typed model, hardened XML reading, writing, layout and diff."""
