"""How `heard-admin` and `heard-bot` behave alike at the edges: every failure ends in one line on standard error
(what is wrong, what to do) and a non-zero status, never a traceback unless `--debug` asks for one; `-h` beside
`--help`, `--version`, and help screens in the style of pip or alembic (metavars like TEXT and FILE, paragraphs
not broken where the source code happened to wrap them).

Commands raise; they do not each catch and print. `describe` maps what can escape a command (Heard's own
error types, files that cannot be read or written, undecodable text, broken YAML, an unreachable database) to
the line an operator reads, and `run` is the one place that prints it. Both command lines live on top of this,
so it sits in surveys/ (bot/ and admin/ never import each other).
"""

from __future__ import annotations

import errno
import inspect
import re
import sys
import threading
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, NoReturn

import typer
from typer.core import TyperArgument, TyperOption

HELP_OPTION_NAMES = ["-h", "--help"]
CONTEXT_SETTINGS = {"help_option_names": HELP_OPTION_NAMES}
"""Pass as `typer.Typer(context_settings=...)`: sub-commands inherit it."""

STOPPED = 130  # the shell's status for a process ended by Ctrl-C (128 + SIGINT)

_debug = False


# --------------------------------------------------------------------------------------------- the options


def heard_version() -> str:
    try:
        return version("heard")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"Heard {heard_version()} (Python {sys.version.split()[0]})")
        raise typer.Exit()


def _set_debug(value: bool) -> None:
    global _debug
    _debug = _debug or value


def version_option() -> Any:
    return typer.Option(False, "--version", callback=_show_version, is_eager=True, expose_value=True,
                        help="Show Heard's version and exit.")


def debug_option() -> Any:
    return typer.Option(False, "--debug", callback=_set_debug, is_eager=True,
                        help="When a command fails, show the full traceback (for a bug report).")


# ------------------------------------------------------------------------------------------- what went wrong


@dataclass(frozen=True)
class Failure:
    """What an operator reads when a command fails: `details` (e.g. one problem per line) and a last line."""

    message: str
    status: int = 1
    details: tuple[str, ...] = field(default_factory=tuple)


_OWN_PACKAGES = ("surveys", "admin", "bot")

_ERRNO_ADVICE = {
    errno.ENOENT: "no such file or folder; check the path",
    errno.EACCES: "permission denied; check the permissions, or run as a user who may use it",
    errno.EPERM: "not permitted; check the permissions, or run as a user who may use it",
    errno.EISDIR: "is a folder; give the name of a file",
    errno.ENOTDIR: "a part of the path is not a folder; check the path",
    errno.ENOSPC: "the disk is full; free some space and run again",
    errno.EDQUOT: "the disk quota is used up; free some space and run again",
    errno.EROFS: "the file system is read-only; choose a writable place",
    errno.ENAMETOOLONG: "the name is too long; choose a shorter one",
    errno.ELOOP: "too many symbolic links; check the path",
    errno.EMFILE: "too many open files; raise the limit (ulimit -n) and run again",
    errno.EFBIG: "the file would be larger than this system allows (ulimit -f); choose another place",
    errno.ECONNREFUSED: "connection refused; check that the server runs and the address is right",
    errno.EHOSTUNREACH: "host unreachable; check the network and the address",
    errno.ENETUNREACH: "network unreachable; check the network and run again",
}


def one_line(text: str) -> str:
    """A message as one line: line breaks and runs of spaces become single spaces."""
    return " ".join(text.split())


def _is_own(exc: BaseException) -> bool:
    """An exception type Heard defines on purpose (not a private signal): its message is written for people."""
    kind = type(exc)
    return kind.__module__.split(".")[0] in _OWN_PACKAGES and not kind.__name__.startswith("_")


def _problems(exc: BaseException) -> tuple[str, ...]:
    problems = getattr(exc, "problems", None)
    if isinstance(problems, Sequence) and not isinstance(problems, str) and problems:
        return tuple(one_line(str(p)) for p in problems)
    return ()


def _os_error(exc: OSError) -> str:
    where = exc.filename if exc.filename is not None else None
    if isinstance(exc, TimeoutError):
        return "a connection timed out; check the network and run again"
    if isinstance(exc, ConnectionError) or (where is None and exc.errno is None):
        return f"network problem ({one_line(str(exc)) or type(exc).__name__}); check the connection and run again"
    advice = _ERRNO_ADVICE.get(exc.errno or 0) or (exc.strerror or str(exc))
    return f"{where}: {advice}" if where is not None else one_line(advice)


def describe(exc: BaseException) -> Failure:
    """The line (and status) for an exception that escaped a command."""
    from surveys.config import ConfigError
    from surveys.core.privacy import SecretKeyError
    from surveys.forms.loader import SurveyValidationError

    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return describe(exc.exceptions[0])
    if isinstance(exc, KeyboardInterrupt):
        return Failure("stopped (Ctrl-C)", STOPPED)
    if isinstance(exc, ConfigError | SecretKeyError):
        return Failure(f"configuration problem: {one_line(str(exc))}", 2)
    details = _problems(exc)
    if _is_own(exc):
        if details:
            what = "a survey file is invalid: " if isinstance(exc, SurveyValidationError) else ""
            return Failure(f"{what}{len(details)} problem{'s' if len(details) != 1 else ''}, listed above; fix "
                           f"{'them' if len(details) != 1 else 'it'} and run again", 1, details)
        return Failure(one_line(str(exc)) or type(exc).__name__)
    if isinstance(exc, UnicodeDecodeError):
        return Failure(f"a file is not UTF-8 text (byte {exc.start} cannot be read: {exc.reason}); save it as "
                       "UTF-8 and run again")
    if isinstance(exc, OSError):
        return Failure(_os_error(exc))
    if isinstance(exc, RecursionError):
        return Failure("the input is nested too deeply to be read; check the file's structure")
    if isinstance(exc, MemoryError):
        return Failure("out of memory; the input is too large for this machine")
    yaml_failure = _yaml_failure(exc)
    if yaml_failure is not None:
        return yaml_failure
    database_failure = _database_failure(exc)
    if database_failure is not None:
        return database_failure
    shown = one_line(str(exc))
    return Failure(f"unexpected {type(exc).__name__}{': ' + shown if shown else ''}; run the command again with "
                   "--debug to see where, and report it")


def _yaml_failure(exc: BaseException) -> Failure | None:
    import yaml

    if not isinstance(exc, yaml.YAMLError):
        return None
    mark = getattr(exc, "problem_mark", None)
    where = f" (line {mark.line + 1})" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc)
    return Failure(f"not valid YAML{where}: {one_line(problem)}; fix the file and run again")


def _database_failure(exc: BaseException) -> Failure | None:
    from sqlalchemy.exc import DBAPIError, OperationalError

    if not isinstance(exc, DBAPIError | OperationalError):
        return None
    cause = one_line(str(exc.orig)) if exc.orig is not None else type(exc).__name__
    return Failure(f"database problem ({cause}); check [storage] database_url in heard.toml (or "
                   "HEARD_DATABASE_URL) and that the database is reachable")


# ---------------------------------------------------------------------------------------------- help screens


def _paragraphs_unwrapped(text: str) -> str:
    """Help text as written in a docstring, with each paragraph on one line (the terminal wraps it); lines
    that start a list item or are indented (examples) keep their own line."""
    paragraphs = []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        lines = paragraph.split("\n")
        joined = [lines[0]]
        for line in lines[1:]:
            if re.match(r"\s|[-•*] |\d+\. |Example", line):
                joined.append(line)
            else:
                joined[-1] = f"{joined[-1]} {line.strip()}"
        paragraphs.append("\n".join(joined))
    return "\n\n".join(paragraphs)


def _metavar(param: Any) -> str | None:
    if isinstance(param, TyperArgument):  # an argument is shown by its name, as in `heard-admin surveys show SURVEY_ID`
        return param.name.upper() if param.name else None
    if isinstance(param, TyperOption) and (param.is_flag or param.count):
        return ""
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    if getattr(descriptor, "is_choice", False) and descriptor.choices:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in descriptor.choices) + "]"
    if annotation is Path or getattr(descriptor, "is_path", False):
        return "PATH"
    names = {int: "INTEGER", float: "NUMBER", str: "TEXT", bool: ""}
    return names.get(annotation)


def _no_type(ctx: Any) -> None:
    return None


class _HelpContext:
    """Just enough of a click context to ask a command for its help option before it runs."""

    help_option_names = HELP_OPTION_NAMES


def follow_conventions(command: Any) -> None:
    """Metavars, help paragraphs and the help option's display for a command and all its sub-commands."""
    if command.help:
        command.help = _paragraphs_unwrapped(command.help)
    for param in command.params:
        if isinstance(param, TyperOption | TyperArgument) and param.metavar is None:
            shown = _metavar(param)
            if shown is not None:
                param.metavar = shown
        if isinstance(param, TyperArgument):
            # typer shows an argument's Python type beside its name (`SURVEY_ID <str>`); the name says enough
            param.display_type_rich = _no_type  # type: ignore[method-assign]
    help_option = command.get_help_option(_HelpContext()) if hasattr(command, "get_help_option") else None
    if help_option is not None:
        help_option.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        follow_conventions(sub)


# ------------------------------------------------------------------------------------------------- running


_thread_hook = threading.excepthook


def _without_closed_loop_noise(args: threading.ExceptHookArgs) -> None:
    """aiosqlite stops a connection that failed to open by queueing a close whose result its worker thread
    reports to the event loop; when the command has already ended, that loop is closed and the thread prints a
    traceback about it after the command's own line. Nothing is lost there: leave it out unless --debug."""
    closed_loop = isinstance(args.exc_value, RuntimeError) and str(args.exc_value) == "Event loop is closed"
    if closed_loop and not _debug:
        return
    _thread_hook(args)


def fail(failure: Failure, exc: BaseException | None = None) -> NoReturn:
    if _debug and exc is not None:
        traceback.print_exception(exc)
    for line in failure.details:
        print(line, file=sys.stderr)
    print(f"Error: {failure.message}", file=sys.stderr)
    sys.stderr.flush()
    sys.exit(failure.status)


def run(app: typer.Typer, prog_name: str, args: Sequence[str] | None = None) -> NoReturn:
    """Run a typer app as a command line; exits with its status. The only place a failure is printed."""
    command = typer.main.get_command(app)
    follow_conventions(command)
    threading.excepthook = _without_closed_loop_noise
    try:
        status = command.main(list(args) if args is not None else sys.argv[1:], prog_name=prog_name,
                              standalone_mode=False)
    except typer.TyperException as exc:  # a usage error: unknown option, missing argument, bad value
        if type(exc).__name__ == "NoArgsIsHelpError":  # a group without its command: its help is the answer
            if exc.format_message():
                print(exc.format_message())
            sys.exit(0)
        context = getattr(exc, "ctx", None)
        where = f" (see `{context.command_path} --help`)" if context is not None else ""
        fail(Failure(f"{one_line(exc.format_message()).rstrip('.')}{where}", exc.exit_code))
    except typer.Abort as exc:
        fail(Failure("stopped", STOPPED), exc)
    except Exception as exc:  # the one place where anything a command raised becomes a line
        fail(describe(exc), exc)
    except KeyboardInterrupt as exc:
        fail(describe(exc), exc)
    finally:
        sys.stdout.flush()
    if status == STOPPED:
        print("Stopped (Ctrl-C).", file=sys.stderr)
    sys.exit(status if isinstance(status, int) else 0)

