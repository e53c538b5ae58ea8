"""morning and demo end to end on copies of the samples."""

import csv
import io
import json

import openpyxl
from conftest import SAMPLES, sha256
from typer.testing import CliRunner

from loantool.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_morning_imports_reconciles_reports_then_does_nothing_twice(sample_dir):
    config = sample_dir / "loantool.toml"
    ledger = sample_dir / "ledger.xlsx"
    inbox = sorted((sample_dir / "inbox").rglob("*.*"))
    inbox_before = {p: sha256(p) for p in inbox}
    first = invoke("morning", "--config", config, "--json")
    assert first.exit_code == 0, first.stderr
    doc = json.loads(first.stdout)
    steps = {s["step"]: s for s in doc["steps"]}
    assert steps["import"]["status"] == "ok" and steps["import"]["updated"] >= 1
    (period,) = steps["reconcile"]["periods"]
    assert period["period"] == "2026-11" and period["payments_posted"] > 0
    assert steps["overdue"]["status"] == "ok" and steps["overdue"]["in_arrears"] > 0
    # English file names with LOANTOOL_LANG=en
    assert (sample_dir / "reports" / "overdue-report_20261130.xlsx").is_file()
    assert (sample_dir / "reports" / "bank-reconciliation_2026-11.xlsx").is_file()
    assert list((sample_dir / "reports").glob("morning_*.log"))
    after_first = sha256(ledger)

    second = invoke("morning", "--config", config, "--json")
    assert second.exit_code == 0, second.stderr
    doc2 = json.loads(second.stdout)
    steps2 = {s["step"]: s for s in doc2["steps"]}
    assert steps2["import"]["status"] == "nothing" and steps2["reconcile"]["status"] == "nothing"
    assert sorted(doc2["skipped_files"]) == sorted(p.name for p in inbox)
    assert sha256(ledger) == after_first  # the second run changed nothing
    assert {p: sha256(p) for p in inbox} == inbox_before  # bank files are never written


def test_morning_fail_on_diff_exits_4_with_differences(sample_dir):
    result = invoke("morning", "--config", sample_dir / "loantool.toml", "--fail-on-diff", "--quiet")
    assert result.exit_code == 4
    assert "difference" in result.stderr


def test_a_failing_step_is_named_and_the_others_still_run(sample_dir):
    bad = sample_dir / "inbox" / "slips" / "坏放款单.csv"
    bad.write_text("姓名,身份证号,卡号,放款金额,放款日期\n张三,110101199003077777,6222020200112233445,abc,2026-11-01\n",
                   encoding="utf-8")
    ledger = sample_dir / "ledger.xlsx"
    before = sha256(ledger)
    result = invoke("morning", "--config", sample_dir / "loantool.toml", "--json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    steps = {s["step"]: s for s in doc["steps"]}
    error = steps["import"]["error"]
    assert steps["import"]["status"] == "failed" and error["code"] == "bad-input" and error["exit_code"] == 2
    # the problems stay data: file, row, column, value, reason
    assert [(p["row"], p["column"], p["value"]) for p in error["problems"]] == [(2, "放款金额", "abc")]
    assert steps["overdue"]["status"] == "ok"
    assert steps["reconcile"]["status"] == "ok"
    # the import step wrote nothing; only the reconciliation's posting changed the ledger
    assert sha256(ledger) != before


def test_demo_copies_samples_runs_morning_and_refuses_to_overwrite(tmp_path, chinese):
    target = tmp_path / "demo"
    samples_before = {p: sha256(p) for p in SAMPLES.rglob("*")
                      if p.is_file() and "__pycache__" not in p.parts}
    result = invoke("demo", target)
    assert result.exit_code == 0, result.stderr
    assert "逾期" in result.stdout
    assert (target / "ledger.xlsx").is_file() and (target / "reports").is_dir()
    assert {p: sha256(p) for p in samples_before} == samples_before  # the bundled samples are untouched
    assert not (SAMPLES / ".loantool").exists()
    again = invoke("demo", target)
    assert again.exit_code == 2 and "已存在" in again.stderr


def test_archive_dir_moves_processed_files_into_a_dated_folder(sample_dir):
    config = sample_dir / "loantool.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "[morning]", '[morning]\narchive_dir = "archive"'), encoding="utf-8")
    slips = sorted(p.name for p in (sample_dir / "inbox" / "slips").iterdir())
    hashes = {p.name: sha256(p) for p in (sample_dir / "inbox").rglob("*.*")}
    result = invoke("morning", "--config", config, "--json")
    assert result.exit_code == 0, result.stderr
    archived = sample_dir / "archive" / "2026-11-30"
    assert sorted(p.name for p in archived.iterdir()) == sorted(hashes)
    assert all(sha256(archived / name) == digest for name, digest in hashes.items())  # moved, never changed
    assert not list((sample_dir / "inbox" / "slips").iterdir()) and slips


# ------------------------------------------------------------- "already processed" = done to this ledger


def _steps(result):
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    return {s["step"]: s for s in doc["steps"]}, doc


def test_a_statement_only_advanced_or_read_is_still_posted_by_morning(sample_dir):
    config = sample_dir / "loantool.toml"
    statements = sorted((sample_dir / "inbox" / "statements").iterdir())
    read_only = invoke("reconcile-bank", *statements, "--period", "2026-11", "--config", config, "--quiet")
    assert read_only.exit_code == 0, read_only.stderr
    advances = invoke("reconcile-bank", *statements, "--period", "2026-11", "--config", config,
                      "--post-advances", "2026-11-30", "--quiet")
    assert advances.exit_code == 0, advances.stderr
    steps, doc = _steps(invoke("morning", "--config", config, "--json"))
    (period,) = steps["reconcile"]["periods"]
    assert period["payments_posted"] > 250 and not doc["skipped_files"]
    assert steps["overdue"]["in_arrears"] < 30  # the customers' payments are in: not 270 loans in arrears


def test_a_ledger_restored_from_its_backup_gets_the_files_again(sample_dir):
    config = sample_dir / "loantool.toml"
    ledger = sample_dir / "ledger.xlsx"
    first, _ = _steps(invoke("morning", "--config", config, "--json"))
    done = sha256(ledger)
    backups = sorted((sample_dir / ".loantool" / "backups").iterdir())
    ledger.write_bytes(backups[0].read_bytes())  # the ledger as it was before the morning run
    again, doc = _steps(invoke("morning", "--config", config, "--json"))
    assert again["import"]["status"] == "ok" and again["reconcile"]["status"] == "ok"
    assert not doc["skipped_files"]
    assert (again["reconcile"]["periods"][0]["payments_posted"]
            == first["reconcile"]["periods"][0]["payments_posted"])
    assert again["overdue"]["in_arrears"] == first["overdue"]["in_arrears"]
    assert sha256(ledger) == done  # the same work redone: the same books, byte for byte
    third, doc = _steps(invoke("morning", "--config", config, "--json"))
    assert third["reconcile"]["status"] == "nothing" and len(doc["skipped_files"]) == 5


def test_another_ledger_beside_it_is_not_the_same_books(sample_dir):
    config = sample_dir / "loantool.toml"
    other = sample_dir / "branch.xlsx"
    other.write_bytes((sample_dir / "ledger.xlsx").read_bytes())
    _steps(invoke("morning", "--config", config, "--json"))
    steps, doc = _steps(invoke("morning", "--config", config, "--ledger", other, "--json"))
    assert steps["reconcile"]["status"] == "ok" and steps["reconcile"]["periods"][0]["payments_posted"] > 250
    assert not doc["skipped_files"]


def test_read_only_mornings_remember_what_they_reconciled(sample_dir):
    config = sample_dir / "loantool.toml"
    text = config.read_text(encoding="utf-8").replace("[morning]", "[morning]\npost_payments = false")
    config.write_text(text, encoding="utf-8")
    first, _ = _steps(invoke("morning", "--config", config, "--json"))
    assert first["reconcile"]["status"] == "ok" and first["reconcile"]["periods"][0]["payments_posted"] == 0
    second, doc = _steps(invoke("morning", "--config", config, "--json"))
    assert second["reconcile"]["status"] == "nothing"
    assert {p.name for p in (sample_dir / "inbox" / "statements").iterdir()} <= set(doc["skipped_files"])


def test_a_copy_of_the_retry_statement_without_references_is_held_for_review(sample_dir):
    config = sample_dir / "loantool.toml"
    ledger = sample_dir / "ledger.xlsx"
    _steps(invoke("morning", "--config", config, "--json"))
    posted = sha256(ledger)
    original = sample_dir / "inbox" / "statements" / "工商银行补扣明细_202611.csv"
    text = original.read_bytes().decode("gbk").splitlines()
    copy = sample_dir / "补扣明细_副本.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in csv.reader(text[2:]):
        writer.writerow([cell for i, cell in enumerate(row) if i != 4])  # without the 流水号 column
    copy.write_bytes(buffer.getvalue().encode("gbk"))
    result = invoke("reconcile-bank", copy, "--period", "2026-11", "--config", config, "--post", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["posted"]["payments_added"] == 0 and doc["posted"]["payments_for_review"] == 3
    assert sorted(line["customer_name"] for line in doc["review_lines"]) == ["武昊", "毛璐", "秦芳"]
    assert all("2026" in line["reason"] for line in doc["review_lines"])  # names the 流水号 it has
    assert sha256(ledger) == posted  # no duplicate payment booked
    book = openpyxl.load_workbook(doc["report"])  # English run: the sheet is "Held for review"
    assert "Held for review" in book.sheetnames


def test_a_missing_or_wrong_inbox_is_an_error_not_no_new_files(sample_dir):
    import shutil

    config = sample_dir / "loantool.toml"
    shutil.rmtree(sample_dir / "inbox" / "slips")
    (sample_dir / "inbox" / "slips").write_text("not a folder", encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8").replace('statements_inbox = "inbox/statements"',
                                                                 'statements_inbox = "inbox/statement"'),
                      encoding="utf-8")
    result = invoke("morning", "--config", config, "--json")
    assert result.exit_code == 2
    steps = {s["step"]: s for s in json.loads(result.stdout)["steps"]}
    assert steps["import"]["status"] == "failed" and "slips_inbox" in steps["import"]["error"]["message"]
    assert "not a folder" in steps["import"]["error"]["message"]
    assert steps["reconcile"]["status"] == "failed"
    assert "inbox/statement " in steps["reconcile"]["error"]["message"]
    assert "does not exist" in steps["reconcile"]["error"]["message"]
    assert steps["overdue"]["status"] == "ok"  # the call list still comes
    text = invoke("morning", "--config", config)
    assert text.exit_code == 2 and "inbox/statement" in text.stdout


def test_a_failed_steps_problems_are_rendered_at_the_edge(sample_dir):
    bad = sample_dir / "inbox" / "slips" / "坏放款单.csv"
    bad.write_text("姓名,身份证号,卡号,放款金额,放款日期\n张三,110101199003077777,6222020200112233445,abc,2026-11-01\n",
                   encoding="utf-8")
    result = invoke("morning", "--config", sample_dir / "loantool.toml")
    assert result.exit_code == 2
    assert "FAILED import slips:" in result.stdout  # the summary names the step
    assert "row 2" in result.stderr and "value 'abc'" in result.stderr  # every problem, rendered once


def test_the_morning_summary_is_chinese_by_default(sample_dir, chinese):
    result = invoke("morning", "--config", sample_dir / "loantool.toml")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("每日任务")
    assert "银行对账 2026-11" in result.stdout and "笔待核对" in result.stdout and "报告：" in result.stdout
    assert "matched" not in result.stdout and "discrepancy" not in result.stdout


def test_a_slip_saved_as_a_pdf_is_told_not_silently_left_out(sample_dir, chinese):
    """A scan, a photo or a Word file in an inbox is not read – and the summary says so, naming it; lock
    files (~$) and hidden files are not mentioned."""
    (sample_dir / "inbox" / "slips" / "放款单扫描件.pdf").write_bytes(b"%PDF-1.4 a scan")
    (sample_dir / "inbox" / "statements" / "~$工商银行代扣明细_202611.xlsx").write_bytes(b"\x00" * 165)
    (sample_dir / "inbox" / "statements" / ".DS_Store").write_bytes(b"\x00")
    result = invoke("morning", "--config", sample_dir / "loantool.toml")
    assert result.exit_code == 0, result.stderr
    assert "不是表格文件，未读取：slips/放款单扫描件.pdf" in result.stdout
    assert "~$" not in result.stdout and "DS_Store" not in result.stdout
    doc = json.loads(invoke("morning", "--config", sample_dir / "loantool.toml", "--json").stdout)
    assert [p.rsplit("/", 1)[-1] for p in doc["other_files"]] == ["放款单扫描件.pdf"]


def test_the_month_end_morning_reads_the_ledger_once(sample_dir, monkeypatch):
    """Posting and the overdue report share one read: the posted rows are applied in memory."""
    import loantool.ledger.read as reader
    from loantool.workflows import overdue, reconcile

    for slip in (sample_dir / "inbox" / "slips").iterdir():
        slip.unlink()
    reads: list[str] = []
    original = reader.load_ledger

    def counting(path, *args, **kwargs):
        reads.append(str(path))
        return original(path, *args, **kwargs)

    for module in (reader, overdue, reconcile):
        monkeypatch.setattr(module, "load_ledger", counting)
    steps, _ = _steps(invoke("morning", "--config", sample_dir / "loantool.toml", "--json"))
    assert steps["reconcile"]["periods"][0]["payments_posted"] > 250 and steps["overdue"]["status"] == "ok"
    assert len(reads) == 1
    # and the report is the one a fresh read gives
    fresh = json.loads(invoke("overdue-report", "--config", sample_dir / "loantool.toml", "--json", "--out",
                              sample_dir / "fresh.xlsx").stdout)
    assert steps["overdue"]["in_arrears"] == fresh["summary"]["loans_in_arrears"]
    assert steps["overdue"]["overdue_amount"] == fresh["summary"]["overdue_amount"]
