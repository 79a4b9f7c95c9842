#!/usr/bin/env bash
# Install the built wheel into a clean virtualenv WITHOUT pyspark (as on Databricks, where the runtime
# provides Spark) and check that the package imports and the CLI answers.
set -euo pipefail
wheel=$(ls dist/iris_mlops-*-py3-none-any.whl 2>/dev/null | head -n 1)
[ -n "$wheel" ] || { echo "error: no py3-none-any wheel in dist/: run make build first" >&2; exit 1; }
venv=$(mktemp -d)/venv
trap 'rm -rf "$(dirname "$venv")"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -c requirements/constraints.txt "$wheel"
if "$venv/bin/python" -c "import pyspark" 2>/dev/null; then
  echo "error: installing the wheel pulled in pyspark; it must stay out of the base dependencies" >&2; exit 1
fi
"$venv/bin/python" -c "import iris_mlops, sys; print('import iris_mlops', iris_mlops.__version__)"
"$venv/bin/iris-mlops" --help >/dev/null
"$venv/bin/iris-mlops" config show --env prod >/dev/null
for script in $("$venv/bin/python" -c "from importlib.metadata import entry_points; print(' '.join(e.name for e in entry_points(group='console_scripts') if e.name.startswith('iris-mlops-')))"); do
  "$venv/bin/$script" --help >/dev/null || { echo "error: $script --help failed" >&2; exit 1; }
done
echo "wheel OK: $(basename "$wheel") installs without pyspark; iris-mlops --help and every iris-mlops-<task> --help work"
