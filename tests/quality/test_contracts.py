"""Import contracts on crafted packages: layers, forbidden, independence, acyclic."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from codefit.quality.contracts import (
    AcyclicContract,
    ImportEdge,
    ImportGraph,
    LayersContract,
    check,
    shortest_chain,
    strongly_connected,
)
from codefit.sensors.base import Reading, SensorContext, SensorSettings
from codefit.sensors.contracts import ContractsOptions, ContractsSensor
from tests.quality.trees import write_tree

APP = {
    "src/app/__init__.py": "",
    "src/app/ui/__init__.py": "",
    "src/app/ui/views.py": "from app.service import api\n",
    "src/app/service/__init__.py": "",
    "src/app/service/api.py": "from app.domain import model\n",
    "src/app/domain/__init__.py": "",
    "src/app/domain/model.py": "import json\n\nfrom app.domain import rules\n",
    "src/app/domain/rules.py": "import os\n",
    "tests/test_app.py": "import app\n",
}


def _read(tree: Path, python: str, contracts: list[dict[str, object]]) -> Reading:
    options = ContractsOptions.model_validate({"contracts": contracts})
    return ContractsSensor(SensorSettings(name="arch", kind="contracts"), options).read(
        tree, SensorContext(python=python)
    )


LAYERS = {"type": "layers", "name": "layered", "layers": ["app.ui", "app.service", "app.domain"]}


def test_a_clean_layered_package_keeps_its_contracts(tmp_path: Path, python: str) -> None:
    tree = write_tree(tmp_path, APP)
    reading = _read(tree, python, [LAYERS, {"type": "acyclic"}])
    assert reading.passed and reading.score == 1.0
    assert reading.metrics["import_edges"] == 3  # os and json not graphed


def test_an_upward_import_breaks_layers_with_the_chain_as_evidence(tmp_path: Path, python: str) -> None:
    tree = write_tree(tmp_path, {**APP, "src/app/domain/rules.py": "import os\n\nfrom app.ui import views\n"})
    reading = _read(tree, python, [LAYERS, {"type": "independence", "modules": ["app.ui", "app.domain"]}])
    assert not reading.passed
    assert reading.score == 0.0
    messages = [(f.path, f.line, f.rule, f.message) for f in reading.findings]
    assert messages[0] == (
        "src/app/domain/rules.py",
        3,
        "contract:layered",
        "app.domain is below app.ui but imports it: app.domain.rules -> app.ui.views "
        "(app.domain.rules:3 `from app.ui import views`)",
    )
    # domain reaches service only through ui, another layer: reported once, at domain -> ui
    assert len([m for m in messages if m[2] == "contract:layered"]) == 1
    assert [m[2] for m in messages].count("contract:independence #2") == 2


def test_a_forbidden_external_import_is_found_through_an_indirect_chain(tmp_path: Path, python: str) -> None:
    tree = write_tree(tmp_path, APP)
    reading = _read(
        tree, python, [{"type": "forbidden", "source_modules": ["app.service"], "forbidden_modules": ["os"]}]
    )
    [finding] = reading.findings
    assert finding.path == "src/app/service/api.py"
    assert "app.service.api -> app.domain.model -> app.domain.rules -> os" in finding.message
    assert reading.metrics["contracts_broken"] == 1


def test_a_cycle_is_reported_with_its_loop(tmp_path: Path, python: str) -> None:
    tree = write_tree(tmp_path, {**APP, "src/app/domain/rules.py": "from app.domain import model\n"})
    reading = _read(tree, python, [{"type": "acyclic", "packages": ["app.domain"]}])
    [finding] = reading.findings
    assert finding.message.startswith(
        "import cycle among 2 modules: app.domain.model -> app.domain.rules -> app.domain.model"
    )


def test_unknown_contract_types_and_keys_are_configuration_errors() -> None:
    with pytest.raises(ValidationError):
        ContractsOptions.model_validate({"contracts": [{"type": "onion"}]})
    with pytest.raises(ValidationError):
        ContractsOptions.model_validate({"contracts": [{"type": "acyclic", "pakages": ["x"]}]})


def _graph(*edges: tuple[str, str]) -> ImportGraph:
    mods = {m for e in edges for m in e}
    return ImportGraph.from_edges(mods, [ImportEdge(importer=a, imported=b, line=1) for a, b in edges])


def test_shortest_chain_prefers_fewer_hops_and_respects_avoided_modules() -> None:
    graph = _graph(("a", "b"), ("b", "c"), ("c", "d"), ("a", "x"), ("x", "d"))
    chain = shortest_chain(graph, frozenset({"a"}), frozenset({"d"}))
    assert [e.imported for e in chain or ()] == ["x", "d"]
    chain = shortest_chain(graph, frozenset({"a"}), frozenset({"d"}), avoid=frozenset({"x"}))
    assert [e.imported for e in chain or ()] == ["b", "c", "d"]


def test_strongly_connected_components_of_a_crafted_graph() -> None:
    graph = _graph(("a", "b"), ("b", "a"), ("b", "c"), ("c", "d"), ("d", "e"), ("e", "c"), ("e", "f"))
    assert strongly_connected(graph, graph.modules) == [["a", "b"], ["c", "d", "e"]]
    assert (
        check(AcyclicContract(type="acyclic"), graph).violations[1].message == "import cycle among 3 modules"
    )


def test_layers_inside_containers() -> None:
    graph = _graph(("shop.low", "shop.high"), ("blog.high", "blog.low"))
    contract = LayersContract(type="layers", layers=["high", "low"], containers=["shop", "blog"])
    [violation] = check(contract, graph).violations
    assert violation.message == "shop.low is below shop.high but imports it"
