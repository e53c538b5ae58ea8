"""Regenerate the bundled samples (样例数据) and the blank ledger template, byte for byte the same each run.

    python samples/generate.py                 # from the repository's top folder
    python -m loantool.samples.generate        # after an install
    python samples/generate.py --out DIR       # somewhere else (no template then, unless --template)

Everything is drawn from one seeded generator with a fixed as-of date (SAMPLE_AS_OF); workbooks carry
fixed timestamps and CSVs fixed encodings and line ends, so the committed files only change when this
code does. The installments every payment follows come from the real schedule engine
(loantool.core.schedule); what each file holds is described in samples/README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__" and not __package__:
    # Run as a file: import this folder as the package it is (PEP 366), with loantool beside it.
    sys.path[0] = str(Path(__file__).resolve().parents[1])
    __package__ = "samples"
    import samples  # noqa: F401

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import random  # noqa: E402
from typing import Any  # noqa: E402

from loantool import schema  # noqa: E402

from .bankfiles import (  # noqa: E402
    slip_rows,
    statement_lines,
    write_customer_table,
    write_slips,
    write_statements,
)
from .book import (  # noqa: E402
    HISTORY_END,
    SAMPLE_AS_OF,
    build_loans,
    installments_by_contract,
    rate_rows,
    record_disbursements,
    schedule_frame,
)
from .history import simulate  # noqa: E402
from .ledger_layout import LEDGER_TABLES, write_ledger_workbook  # noqa: E402
from .people import People  # noqa: E402

SEED = 20261130
TIMESTAMP = dt.datetime(2026, 11, 30, 8, 0, 0)  # created/modified of every workbook written here
COMPANY = "杭州安程汽车金融服务有限公司"
HERE = Path(__file__).resolve().parent
TEMPLATE = HERE.parent / "templates" / "ledger.xlsx"  # repository and installed package alike
TEMPLATE_TABLES = (*LEDGER_TABLES, schema.COLLECTIONS)  # the blank ledger `loantool init` copies

CONFIG_TEXT = f"""\
# 样例配置 Sample settings for the bundled samples (see templates/loantool.toml for every setting).
# as_of fixes "today" so that every run over the samples gives the same results.
as_of = "{SAMPLE_AS_OF.isoformat()}"

[company]
name = "{COMPANY}"

[ledger]
path = "ledger.xlsx"

[morning]
slips_inbox = "inbox/slips"
statements_inbox = "inbox/statements"
reports_dir = "reports"
"""

__all__ = ["COMPANY", "HISTORY_END", "SAMPLE_AS_OF", "SEED", "TIMESTAMP", "generate", "write_template"]


def write_template(path: Path) -> Path:
    """templates/ledger.xlsx: the ledger layout with headers only, 催收记录 included (the samples' ledger
    gets that sheet on its first recorded call)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_ledger_workbook(path, None, tables=TEMPLATE_TABLES, timestamp=TIMESTAMP)
    return path


def _frame(rows: list[dict[str, Any]], table: schema.Table):
    import pandas as pd

    keys = [f.key for f in table.fields]
    return pd.DataFrame([{k: row.get(k) for k in keys} for row in rows], columns=keys, dtype=object)


def generate(out_dir: Path, template: Path | None = None) -> list[Path]:
    """Write every sample file into ``out_dir`` (and the blank template to ``template``).

    Returns the paths written."""
    rng = random.Random(SEED)
    people = People(rng)
    loans, extra = build_loans(rng, people)
    installments = installments_by_contract(schedule_frame([*loans, extra]))
    record_disbursements(loans, installments)
    history = simulate(loans, installments, rng)

    out_dir = Path(out_dir)
    slips_dir, statements_dir = out_dir / "inbox" / "slips", out_dir / "inbox" / "statements"
    for folder in (slips_dir, statements_dir):
        folder.mkdir(parents=True, exist_ok=True)
    written = []

    ledger = out_dir / "ledger.xlsx"
    write_ledger_workbook(ledger, {
        "loans": _frame(loans, schema.LOANS).drop(columns=["term_years"]),
        "rates": _frame(rate_rows(), schema.RATES),
        "payments": _frame(history.payments, schema.PAYMENTS),
        "settlements": _frame(history.settlements, schema.SETTLEMENTS),
    }, timestamp=TIMESTAMP)
    written.append(ledger)

    customers = out_dir / "客服信息表.xlsx"
    write_customer_table(customers, loans, extra, rng, people, TIMESTAMP)
    written.append(customers)

    main, retries = statement_lines(loans, installments, history, rng, people)
    written += write_statements(statements_dir, main, retries, COMPANY, TIMESTAMP)
    new_loans = [loan for loan in loans if loan["_new"]]
    written += write_slips(slips_dir, slip_rows(new_loans, extra, installments, rng), TIMESTAMP)

    config = out_dir / "loantool.toml"
    config.write_bytes(CONFIG_TEXT.encode("utf-8"))
    written.append(config)
    if template is not None:
        written.append(write_template(template))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate the bundled samples deterministically.")
    parser.add_argument("--out", type=Path, help="folder to write into (default: the samples folder)")
    parser.add_argument("--template", type=Path, help="where to write the blank ledger template "
                        "(default: templates/ledger.xlsx when --out is not given)")
    args = parser.parse_args(argv)
    out = args.out or HERE
    template = args.template or (TEMPLATE if args.out is None else None)
    for path in generate(out, template):
        print(f"{path.stat().st_size:>9,} bytes  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
