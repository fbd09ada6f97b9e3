"""The house follows the flow: a package of obligations/ imports only the packages that
stand before it (docs/architecture.md draws the order), and the schedule math stays pure."""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "obligations"
# trust stands beside the flow and under it: every package may record an audit event or
# check a role. The flow itself: schedule → letters → work → alerts → cases → oversight.
FLOW = ["trust", "schedule", "letters", "work", "alerts", "cases", "oversight"]
PURE = ["schedule/periods.py", "schedule/workdays.py"]


def imported_packages(path: Path) -> set[str]:
    """The first-level packages of obligations/ that a module imports."""
    module = ".".join(path.relative_to(APP.parent).with_suffix("").parts)
    package = module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
            else:
                names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "obligations" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("package", FLOW)
def test_a_package_imports_only_what_stands_before_it(package):
    later = set(FLOW[FLOW.index(package) + 1:])
    edges = {"views", "forms", "tasks", "management", "admin", "urls", "context", "demo", "templatetags", "api"}
    for path in (APP / package).rglob("*.py"):
        wrong = imported_packages(path) & (later | edges)
        assert not wrong, f"{path.relative_to(APP)} imports {sorted(wrong)}, which stand later in the flow"


def test_models_import_only_the_pure_schedule_math():
    for path in (APP / "models").rglob("*.py"):
        assert imported_packages(path) <= {"models", "schedule"}, path
        text = path.read_text()
        assert "from ..schedule" not in text or "from ..schedule.periods import" in text, path


@pytest.mark.parametrize("module", PURE)
def test_schedule_math_has_no_django(module):
    tree = ast.parse((APP / module).read_text())
    imports = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imports |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.level}
    assert "django" not in imports


def test_every_domain_module_has_a_test_module():
    missing = []
    for package in FLOW:
        for path in (APP / package).glob("*.py"):
            if path.name == "__init__.py":
                continue
            test = APP.parent / "tests" / package / f"test_{path.name}"
            if not test.exists():
                missing.append(str(test.relative_to(APP.parent)))
    assert not missing, f"domain modules without a test module: {missing}"
