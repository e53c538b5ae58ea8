"""The command line: ``loantool <command>``. Each command parses options, calls one workflow, renders.

Start-up stays fast (``loantool --help``): pandas, numpy, openpyxl and calamine are imported inside
the commands, never at module level here or in ``commands/``.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import inspect
import json
import os
import re
import sys
import typing
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperCommand, TyperGroup

from .entry import option_value
from .errors import LoantoolError, UnexpectedError, UsageError
from .i18n import _, choose, normalise, set_language

# click's exceptions: typer ≥ 0.20 carries its own copy of click (typer/_click), older ones use click
_CLICK = typing.cast(Any, importlib.import_module(
    f"{typer.core._click.__name__}.exceptions" if hasattr(typer.core, "_click") else "click.exceptions"))
# `loantool` alone shows the help through this exception from click 8.2 on (earlier: an exit, no error)
_NO_ARGS_IS_HELP: Any = getattr(_CLICK, "NoArgsIsHelpError", ())


class _DeskGroup(TyperGroup):
    """The command group, whose parsing errors (an unknown option, a value missing, a word where a number
    goes …) are told like every other error of the tool: "错误：…" in the desk's language with what to do,
    the ``--json`` error document with --json, exit 2 – not click's English."""

    def get_help_option(self, ctx: Any) -> Any:
        return _bilingual_help(super().get_help_option(ctx))

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        given = [str(a) for a in (sys.argv[1:] if args is None else args)]  # for the error messages only
        try:  # args passed on as given: None lets click expand wildcards (*.xlsx) on Windows
            result = super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                                  standalone_mode=False, **extra)
        except _NO_ARGS_IS_HELP as exc:  # `loantool` alone: the help, as click shows it
            exc.show()
            code = exc.exit_code
        except _CLICK.ClickException as exc:
            code = _usage_error(exc, given)
        except typer.Abort:
            sys.stderr.write(_("Interrupted; nothing was written.") + "\n")
            code = 1
        else:  # a command returns nothing: a number here is typer.Exit's code
            code = result if isinstance(result, int) and not isinstance(result, bool) else 0
        if not standalone_mode:
            return code
        sys.exit(code)


HELP_OPTION_HELP = "显示本帮助并退出 Show this message and exit."  # bilingual, as every help text here


def _bilingual_help(option: Any) -> Any:
    if option is not None:
        option.help = HELP_OPTION_HELP
    return option


class _DeskCommand(TyperCommand):
    """A command whose -h/--help line is bilingual like its other help lines."""

    def get_help_option(self, ctx: Any) -> Any:
        return _bilingual_help(super().get_help_option(ctx))


def _usage_error(exc: Any, given: list[str]) -> int:
    """Tell a command-line error of click's in the desk's language; its exit code."""
    set_language(choose(option_value(given, ("--lang",))))
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        command = ctx.command_path
    else:  # an option's value missing is found before the command's context is made
        words = [token for token in given if not token.startswith("-")]
        command = f"loantool {words[0]}" if words and words[0] in _command_names() else "loantool"
    see = _("Run `{command} -h` to see how it is used.").format(command=command)
    english = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    if isinstance(exc, _CLICK.NoSuchOption):
        message = _("There is no option {option}.").format(option=exc.option_name)
        if exc.possibilities:
            message += " " + _("Did you mean {options}?").format(options=", ".join(sorted(exc.possibilities)))
    elif isinstance(exc, _CLICK.BadOptionUsage):
        message = (_("Option {option} takes no value.") if "does not take" in english
                   else _("Option {option} needs a value.")).format(option=exc.option_name)
    elif isinstance(exc, _CLICK.MissingParameter):
        message = _("{name} is missing.").format(name=_parameter_name(exc.param))
    elif isinstance(exc, _CLICK.BadParameter):
        name = _parameter_name(exc.param)
        value = option_value(given, tuple(getattr(exc.param, "opts", ()) or ())) or None
        shown = f"“{value}”" if value is not None else ""
        if "integer" in english:
            message = _("{name}: {value} is not a whole number.").format(name=name, value=shown)
        elif "float" in english or "number" in english:
            message = _("{name}: {value} is not a number.").format(name=name, value=shown)
        else:
            message = _("{name}: {value} is not a value it takes ({detail}).").format(
                name=name, value=shown, detail=exc.message)
    elif english.startswith("No such command"):
        named = re.findall(r"'([^']*)'", english)  # the command given, and typer's guess if it has one
        message = _("There is no command {name}.").format(name=named[0] if named else english)
        if len(named) > 1:
            message += " " + _("Did you mean {options}?").format(options=f"`loantool {named[1]}`")
        see = _("Run `loantool -h` for the list of commands.")
    elif english.startswith("Missing command"):
        message = _("Name a command.")
        see = _("Run `loantool -h` for the list of commands.")
    elif english.startswith("Got unexpected extra argument"):
        extra = english.rpartition(" (")[2].removesuffix(")")
        message = _("Too many arguments: {values}.").format(values=extra)
    else:  # a message of click's not foreseen here: said as click says it, in the tool's frame
        message = _("The command line is not understood: {detail}").format(detail=english)
    error = UsageError(message, see)
    report_error(error, as_json="--json" in given)
    return error.exit_code


def _command_names() -> set[str]:
    return {info.name for info in app.registered_commands if info.name}


def _parameter_name(param: Any) -> str:
    """An option as typed (--as-of), an argument by its metavar (合同编号)."""
    if param is None:
        return _("a value")
    opts = getattr(param, "opts", None)
    if getattr(param, "param_type_name", "") == "option" and opts:
        return str(opts[0])
    return str(getattr(param, "metavar", None) or getattr(param, "name", None) or _("a value"))


app = typer.Typer(
    cls=_DeskGroup,
    name="loantool",
    help="贷后管理工具 · post-loan desk toolkit: schedules, imports, arrears, reconciliation, settlement.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# ----------------------------------------------------------------------------- help a clerk can read


def _plain_argument_help() -> None:
    """Show an argument in help as the clerk writes it – 放款单文件…, 合同编号, [文件夹] – not as a program
    type (``<list[Path]>``) or Typer's ``{slips}...``: the metavar alone, … when several are taken,
    [brackets] when it may be left out. Every argument declares its metavar."""
    from typer.core import TyperArgument

    typed = TyperArgument.display_type_rich

    def usage_name(self: TyperArgument) -> str:
        name = self.display_name_raw
        if self.nargs != 1 and not name.endswith(("…", "...")):
            name += "…"
        return name if self.required else f"[{name}]"

    def display_type_rich(self: TyperArgument, ctx: Any) -> str | None:
        return None if self.metavar is not None else typed(self, ctx)

    TyperArgument._usage_display_name = usage_name  # type: ignore[method-assign]
    TyperArgument.display_type_rich = display_type_rich  # type: ignore[method-assign]

    # the help's two columns line up when a Chinese metavar counts two columns per character, as the
    # terminal shows it (click counts characters)
    import unicodedata

    from typer import core

    formatting = importlib.import_module(f"{getattr(core, '_click', None).__name__}.formatting"
                                         if hasattr(core, "_click") else "click.formatting")
    plain_len = formatting.term_len

    def display_len(text: str) -> int:
        length = plain_len(text)
        if text.isascii():
            return length
        return length + sum(unicodedata.east_asian_width(ch) in ("W", "F") for ch in text)

    formatting.term_len = display_len


_plain_argument_help()

# ----------------------------------------------------------------------------- shared options, defined once

LedgerOpt = Annotated[Path | None, typer.Option(
    "--ledger", metavar="台账文件",
    help="台账文件（默认：loantool.toml 所指，否则 ./ledger.xlsx） Ledger workbook (default: "
         "loantool.toml's, else ./ledger.xlsx).")]
ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", metavar="配置文件",
    help="配置文件（默认：当前及上级文件夹中的 loantool.toml） Settings file (default: loantool.toml "
         "found here or above).")]
AsOfOpt = Annotated[str | None, typer.Option(
    "--as-of", metavar="YYYY-MM-DD", help="基准日（默认：今天） Date of the run (default: today).")]
JsonOpt = Annotated[bool, typer.Option(
    "--json", help="输出 JSON 文档 Print one JSON document on stdout, nothing else.")]
QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", help="安静模式，不显示汇总 No console summary; errors still go to stderr.")]
DebugOpt = Annotated[bool, typer.Option(
    "--debug", help="显示意外错误的详细信息 Show the traceback of unexpected errors.")]
LangOpt = Annotated[str | None, typer.Option(
    "--lang", metavar="zh|en", help="语言：zh 中文（默认）或 en 英文 Language of messages and reports.")]


@dataclass
class Run:
    """What every command knows after parsing the shared options."""

    settings: Any
    ledger_path: Path
    as_of: dt.date
    json: bool
    quiet: bool
    debug: bool
    lang: str = "zh"
    argv: list[str] = field(default_factory=list)  # the command's arguments as given: the journal's

    @property
    def err(self) -> Any:
        from rich.console import Console

        return Console(stderr=True, highlight=False)

    @property
    def out(self) -> Any:
        from rich.console import Console

        return Console(highlight=False)

    def emit_json(self, document: Any) -> None:
        emit_json(document)

    def progress(self) -> Any:
        """``with run.progress() as progress:`` – the callback for the workflow (loantool/progress.py): a bar
        on a terminal, plain lines in a log, nothing with --json or --quiet."""
        from .reports.console import progress_display

        return progress_display(shown=not self.quiet)

    def warn(self, warnings: list[Any], *, limit: int = 10, rest: str = "") -> None:
        """The first ``limit`` warnings (checks on entry …) on stderr, then how many more and where – in
        full once per ledger state, then one line (reports/console.py)."""
        from .reports.console import print_ledger_warnings

        print_ledger_warnings(self.err, warnings, self.ledger_path, limit=limit, rest=rest)


def emit_json(document: Any) -> None:
    """One JSON document on stdout (DESIGN.md: nothing else goes there). Where stdout is UTF-8 without
    newline translation, orjson's bytes go to it as they are (a 20,000-loan document is 16 MB: not
    decoded, copied and encoded again)."""
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if buffer is None or encoding != "utf8" or os.linesep != "\n":
        stream.write(json_text(document) + "\n")
        return
    data = json_bytes(document)
    stream.flush()
    buffer.write(data)
    buffer.write(b"\n")
    buffer.flush()


def json_bytes(document: Any) -> bytes:
    """:func:`json_text` as UTF-8 bytes."""
    import orjson

    options = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME
    try:
        return orjson.dumps(document, default=str, option=options)
    except (TypeError, orjson.JSONEncodeError):  # e.g. a key that is not text, or an int beyond 64 bits
        return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def json_text(document: Any) -> str:
    """The document as JSON text: UTF-8 as is, indented by 2, anything JSON lacks (Decimal, Path, numpy
    numbers, datetimes) as ``str()`` – the text ``json.dumps(..., ensure_ascii=False, indent=2,
    default=str)`` gives, made by orjson (20,000 loans' document in a fraction of the time)."""
    import orjson

    options = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME
    try:
        return orjson.dumps(document, default=str, option=options).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):  # e.g. a key that is not text, or an int beyond 64 bits
        return json.dumps(document, ensure_ascii=False, indent=2, default=str)


def parse_date_option(value: str | None, option: str) -> dt.date | None:
    """A date option, read as a date cell is (dayparse.parse_day: 2026-03-31, 2026/3/31, 2026年3月31日 …)."""
    from .dayparse import DateError, parse_day

    if value is None or value == "":
        return None
    try:
        day = parse_day(value)
    except DateError:
        day = None
    if day is None:
        raise UsageError(_("{option} '{value}' is not a date.").format(option=option, value=value),
                         _("Write it as YYYY-MM-DD, e.g. 2026-03-31."))
    return day


def make_run(ledger: Path | None, config: Path | None, as_of: str | None, json_: bool, quiet: bool,
             debug: bool, lang: str | None = None) -> Run:
    from .config import load_settings

    set_language(choose(lang))  # messages while the config is read: --lang or LOANTOOL_LANG
    settings = load_settings(config)
    chosen = set_language(choose(lang, getattr(settings, "lang", None)))
    day = (parse_date_option(as_of, "--as-of")
           or parse_date_option(settings.as_of, _("as_of in loantool.toml")))
    ledger_path = ledger if ledger is not None else settings.ledger_path
    if Path(ledger_path).expanduser().is_dir():
        where = "--ledger" if ledger is not None else _("[ledger] path in loantool.toml")
        raise UsageError(_("{option} {path} is a folder, not a ledger workbook.").format(option=where,
                                                                                        path=ledger_path),
                         _("Name the workbook itself, e.g. {example}.").format(
                             example=Path(ledger_path) / "ledger.xlsx"))
    return Run(
        settings=settings,
        ledger_path=ledger_path,
        as_of=day or dt.date.today(),
        json=json_,
        quiet=quiet or json_,
        debug=debug,
        lang=chosen,
        argv=invocation_argv(),
    )


# the running command's context (typer.Context), set by the ``command`` edge for make_run and the errors
_CONTEXT: ContextVar[Any] = ContextVar("loantool_command_context", default=None)
_CONTEXT_PARAMETER = "loantool_context"


def invocation_argv() -> list[str]:
    """The running command's arguments as the user gave them (from its context, so the same under a
    test runner): what the journal records. Built once, here at the edge; options left at their
    defaults are not repeated."""
    ctx = _CONTEXT.get()
    if ctx is None:
        return []
    argv: list[str] = []
    for param in ctx.command.params:
        source = ctx.get_parameter_source(param.name) if param.name else None
        if source is None or source.name not in ("COMMANDLINE", "ENVIRONMENT"):
            continue
        value = ctx.params.get(param.name)
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        if param.param_type_name == "argument":
            argv += [str(v) for v in values if v is not None]
        elif getattr(param, "is_flag", False):
            if value:
                argv.append(param.opts[0])
            elif param.secondary_opts:
                argv.append(param.secondary_opts[0])
        else:
            for v in values:
                if v is not None:
                    argv += [param.opts[0], str(v)]
    return argv


def name_option(exc: LoantoolError) -> None:
    """A workflow names the parameter an error is about (``exc.parameter``, e.g. "out"); the command's
    option for it (``--out``) is put in front of the message here, at the edge."""
    ctx = _CONTEXT.get()
    parameter = getattr(exc, "parameter", None)
    if not parameter or ctx is None:
        return
    for param in ctx.command.params:
        if param.name == parameter and param.param_type_name == "option":
            exc.message = _("{option}: {message}").format(option=param.opts[0], message=exc.message)
            exc.parameter = None  # named once
            return


F = TypeVar("F", bound=Callable[..., Any])


def report_error(exc: LoantoolError, *, as_json: bool) -> None:
    """The one place an error reaches the user: stderr always, and the JSON document on stdout."""
    from rich.console import Console

    Console(stderr=True, highlight=False, soft_wrap=True).print(exc.render(), markup=False)
    if as_json and exc.as_json_document:
        emit_json(exc.to_dict())


def command(name: str, help_text: str) -> Callable[[F], F]:
    """Register a command and put the one error edge around it.

    A LoantoolError becomes "错误：…" on stderr (and, with --json, its JSON document on stdout) and its
    exit code; anything else is a bug: exit 1 with a one-line message, the traceback only with --debug.
    The language is set first from --lang / LOANTOOL_LANG (make_run refines it from loantool.toml).
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            token = _CONTEXT.set(kwargs.pop(_CONTEXT_PARAMETER, None))
            try:
                _guarded(func, args, kwargs)  # nothing is returned: _DeskGroup reads a number as an exit code
            finally:
                _CONTEXT.reset(token)

        # typer hands the command's context to a parameter annotated typer.Context: add one to the
        # wrapper (the command functions themselves never see it)
        signature = inspect.signature(func, eval_str=True)
        extra = inspect.Parameter(_CONTEXT_PARAMETER, inspect.Parameter.KEYWORD_ONLY,
                                  annotation=typer.Context)
        wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[*signature.parameters.values(), extra])
        wrapper.__annotations__ = {**typing.get_type_hints(func, include_extras=True),
                                   _CONTEXT_PARAMETER: typer.Context}
        app.command(name, help=help_text, cls=_DeskCommand)(wrapper)
        return func

    return decorate


def _guarded(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run a command; every error reaches the user once, rendered in their language."""
    set_language(choose(kwargs.get("lang")))
    try:
        if kwargs.get("lang") and normalise(kwargs["lang"]) is None:
            raise UsageError(_("--lang: “{value}” is not a language the tool speaks.").format(
                value=kwargs["lang"]), _("Write `zh` (Chinese) or `en` (English)."))
        return func(*args, **kwargs)
    except typer.Exit:
        raise
    except LoantoolError as exc:
        name_option(exc)
        report_error(exc, as_json=bool(kwargs.get("json_")))
        if kwargs.get("debug"):
            raise
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        sys.stderr.write(_("Interrupted; nothing was written.") + "\n")
        raise typer.Exit(130) from None
    except BrokenPipeError:  # the program reading stdout stopped (`| head`): not the tool's error
        _quiet_stdout()
        sys.stderr.write(_("The output was cut off: the program reading it stopped. What was written to "
                           "files (the ledger, the reports) stands.") + "\n")
        raise typer.Exit(1) from None
    except Exception as exc:  # the edge: no traceback without --debug
        if kwargs.get("debug"):
            raise
        error = UnexpectedError(
            _("Unexpected error: {kind}: {detail}.").format(kind=type(exc).__name__, detail=exc),
            _("A ledger write is all or nothing: the ledger is as it was, or fully updated as "
              ".loantool/journal.jsonl records. Run again with --debug for the details and report it."))
        report_error(error, as_json=bool(kwargs.get("json_")))
        raise typer.Exit(1) from None


def _quiet_stdout() -> None:
    """Point stdout at the null device, so that Python's last flush at exit does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # a stdout without a file descriptor (a test runner)
        pass


COMMAND_MODULES = ("init", "schedule", "imports", "customers", "overdue", "reconcile", "settle", "morning",
                   "demo", "collection", "statement", "quality", "writeoff")


def _register() -> None:
    # Importing a command module registers its command; none imports anything heavy at module level.
    import importlib.util

    for name in COMMAND_MODULES:
        module = f"{__package__}.commands.{name}"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)


_register()


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("loantool")
        except PackageNotFoundError:  # pragma: no cover - running from a checkout without installing
            from . import __version__ as number
        typer.echo(f"loantool {number}")
        raise typer.Exit()


@app.callback()
def _main(
    show_version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="版本 Show the version and exit.")] = False,
) -> None:
    """贷后管理工具 · post-loan desk toolkit: schedules, imports, arrears, reconciliation, settlement."""


def main() -> None:
    """The command line (the ``loantool`` command and ``python -m loantool`` start at ``entry.main``,
    which reads the ledger ahead before this module is imported)."""
    from .entry import read_ahead

    read_ahead(sys.argv[1:])
    app()

