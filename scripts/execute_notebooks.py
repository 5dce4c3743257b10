"""Execute notebooks headlessly through their kernel (tslab) with nbclient, optionally export HTML.

    .venv/bin/python scripts/execute_notebooks.py NOTEBOOK... [--html-dir DIR] [--no-input]
        [--cell-timeout S] [--save-executed DIR]

Prints one progress line per cell to stderr. Exits 1 on the first cell error with one line naming the
notebook, the cell and the error; the HTML of a failed notebook is still written (it shows the error).
"""
import argparse
import os
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter


TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nbconvert")


def export_html(nb, path, no_input):
    # "perflab-lab": JupyterLab's template without require.js/MathJax from a CDN, so the HTML works offline.
    exporter = HTMLExporter(template_name="perflab-lab", extra_template_basedirs=[TEMPLATES], exclude_input=no_input, embed_images=True)
    body, _ = exporter.from_notebook_node(nb)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(body)
    os.replace(tmp, path)


def run(path, args):
    nb = nbformat.read(path, as_version=4)
    name = os.path.basename(path)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    done = {"n": 0}
    started = time.monotonic()

    def on_cell_executed(cell, cell_index, execute_reply, **_):
        if cell.cell_type != "code":
            return
        done["n"] += 1
        done["cell"] = cell
        print(f"  {name}: cell {done['n']}/{len(code_cells)} done ({time.monotonic() - started:.1f} s)", file=sys.stderr, flush=True)

    client = NotebookClient(
        nb,
        timeout=args.cell_timeout,
        kernel_name=args.kernel or nb.metadata.get("kernelspec", {}).get("name", "tslab"),
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
        on_cell_executed=on_cell_executed,
        startup_timeout=120,
    )
    error = None
    try:
        client.execute()
    except CellTimeoutError as e:
        error = f"a cell ran longer than {args.cell_timeout} s: {str(e).splitlines()[0]}"
    except CellExecutionError as e:
        # nbclient calls the hook before it raises: the failed cell is the last one counted. tslab reports
        # a thrown error as stderr text with an empty evalue, so the cell's last stderr line says what it was.
        detail = e.evalue.strip()
        if not detail and done.get("cell") is not None:
            err = [o.get("text", "") for o in done["cell"].get("outputs", []) if o.get("name") == "stderr"]
            lines = [l for l in "".join(err).splitlines() if l.strip() and not l.startswith("    at ")]
            # The error's own line ("PerfLabError: …"), not the last line of an object printed after its stack.
            headers = [l for l in lines if re.match(r"^\w*(Error|Exception)\b.*?: ", l)]
            detail = headers[-1] if headers else (lines[-1] if lines else "")
        error = f"cell {done['n']} failed: {e.ename}: {detail}"
    except DeadKernelError as e:
        error = f"the kernel died: {e}"
    finally:
        if args.html_dir:
            os.makedirs(args.html_dir, exist_ok=True)
            export_html(nb, os.path.join(args.html_dir, os.path.splitext(name)[0] + ".html"), args.no_input)
        if args.save_executed:
            os.makedirs(args.save_executed, exist_ok=True)
            nbformat.write(nb, os.path.join(args.save_executed, name))
    return error, time.monotonic() - started


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--html-dir")
    ap.add_argument("--save-executed")
    ap.add_argument("--no-input", action="store_true")
    ap.add_argument("--cell-timeout", type=int, default=600)
    ap.add_argument("--kernel")
    args = ap.parse_args()
    for path in args.notebooks:
        if not os.path.isfile(path):
            print(f"perflab: notebook {path} not found", file=sys.stderr)
            return 2
    for path in args.notebooks:
        print(f"executing {path} …", file=sys.stderr, flush=True)
        error, seconds = run(path, args)
        if error:
            print(f"perflab: notebook {path}: {error}", file=sys.stderr)
            return 1
        print(f"executed {path} in {seconds:.1f} s", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
