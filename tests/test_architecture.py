"""The architecture holds: no module imports itself back through others.

The import-linter contracts in ``pyproject.toml`` (run by ``make lint``) keep the
layers; this test keeps the modules free of import cycles, which the contracts
cannot express module by module.
"""

from __future__ import annotations

import grimp
import networkx as nx

PACKAGES = ("engine", "simulations", "webapp")


def test_no_import_cycles_between_modules():
    graph = grimp.build_graph(*PACKAGES)
    G = nx.DiGraph()
    for module in graph.modules:
        if not module.startswith(PACKAGES):
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.startswith(PACKAGES) and not module.startswith(imported + "."):
                # a package's __init__ re-exporting its own modules is not a cycle
                if not imported.startswith(module + "."):
                    G.add_edge(module, imported)
    cycles = [sorted(c) for c in nx.strongly_connected_components(G) if len(c) > 1]
    assert cycles == [], f"import cycles: {cycles}"
