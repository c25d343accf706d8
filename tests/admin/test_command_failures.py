"""Bad input to the real `heard-admin` and `heard-bot` commands: each ends in one line on standard error (what is
wrong, what to do) and a non-zero status, never a traceback unless --debug asks for it, and leaves nothing
half-written: an output file is either the old one or the whole new one."""

from __future__ import annotations

import os
import resource
import signal
import stat
import subprocess
from pathlib import Path

import pytest

from tests.support.commands import BIN, run


def one_line_failure(result: subprocess.CompletedProcess, status: int) -> str:
    """The failure's only line on standard error; fails the test unless there is exactly one."""
    assert result.returncode == status, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and "╭" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def paper_responses(cli_env: dict[str, str], folder: Path, count: int = 12) -> None:
    """Some completed responses, so that a report has content (typed in as paper questionnaires)."""
    sheet = folder / "fragebogen.csv"
    sheet.write_text("area,gender,know_advice\n" + "nordstadt,woman,yes\naltstadt,man,no\n" * count,
                     encoding="utf-8")
    imported = run("heard-admin", "import", "paper", str(sheet), env=cli_env)
    assert imported.returncode == 0, imported.stderr


def test_a_short_secret_key_is_one_line_in_both_commands(cli_env):
    env = {**cli_env, "HEARD_SECRET_KEY": "too-short"}
    for command, args in (("heard-admin", ["results", "summary"]), ("heard-bot", ["console"])):
        line = one_line_failure(run(command, *args, env=env, stdin=""), 2)
        assert "HEARD_SECRET_KEY must be at least 32 characters" in line and "openssl rand" in line, (command, line)


def test_a_missing_population_file_is_named(cli_env, tmp_path):
    missing = tmp_path / "einwohner.csv"
    summary = run("heard-admin", "results", "summary", "--population", str(missing), env=cli_env)
    assert one_line_failure(summary, 1) == (
        f"--population {missing}: No such file or directory; give a CSV file with the columns area,population"
    )
    report = tmp_path / "bericht.html"
    refused = run("heard-admin", "report", "-o", str(report), "--population", str(missing), env=cli_env)
    assert str(missing) in one_line_failure(refused, 1)
    assert not report.exists()


@pytest.mark.parametrize(("target", "says"), [
    ("folder", "is a folder; give the name of a file in it"),
    ("missing/bericht.html", "does not exist; create it first or choose another one"),
    ("/proc/heard-bericht.html", "cannot write into the folder /proc ("),
    ("/dev/full", "/dev/full is not a regular file (a device, pipe or socket); give the name of a file"),
])
def test_report_refuses_an_output_that_is_not_a_regular_file(cli_env, tmp_path, target, says):
    folder = tmp_path / "folder"
    folder.mkdir()
    path = Path(target) if target.startswith("/") else tmp_path / target
    if target == "/dev/full" and not path.exists():
        pytest.skip("no /dev/full here")
    watched = path.parent if path.parent.is_dir() and tmp_path in path.parents else tmp_path
    before = sorted(os.listdir(watched))
    line = one_line_failure(run("heard-admin", "report", "-o", str(path), env=cli_env), 1)
    assert line.startswith("Error: ") and says in line, line
    if target == "/dev/full":  # run as root, this used to turn the device into a regular file
        assert stat.S_ISCHR(os.stat(path).st_mode)
    assert sorted(os.listdir(watched)) == before, "nothing written, no folder created"


def test_every_file_writing_command_refuses_a_device(cli_env, tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    for args in (
        ["results", "export", "--format", "csv", "-o", "/dev/full"],
        ["surveys", "print", "needs", "-o", "/dev/full"],
        ["surveys", "export-xlsform", "needs", "-o", "/dev/full"],
        ["distributors", "flyer", "Xk29fQ7pAb", "--language", "de", "-o", "/dev/full"],
    ):
        line = one_line_failure(run("heard-admin", *args, env=cli_env), 1)
        assert "/dev/full is not a regular file" in line, (args, line)
        assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def _file_size_limit(limit: int):  # type: ignore[no-untyped-def]
    def apply() -> None:  # in the child: writing past `limit` bytes fails with EFBIG instead of killing it
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_write_that_fails_halfway_leaves_the_old_report_whole(cli_env, tmp_path):
    paper_responses(cli_env, tmp_path)
    report = tmp_path / "out" / "bericht.html"
    report.parent.mkdir()
    assert run("heard-admin", "report", "-o", str(report), env=cli_env).returncode == 0
    before = report.read_bytes()
    assert len(before) > 40_000

    # the disk "fills up" after 36 kB (larger than SQLite's files need, smaller than the report)
    failed = subprocess.run([str(BIN / "heard-admin"), "report", "-o", str(report)], env=cli_env, text=True,
                            capture_output=True, timeout=120, preexec_fn=_file_size_limit(36_000))
    assert one_line_failure(failed, 1) == (
        f"Error: cannot write {report}: File too large; nothing was written (free space, or choose another place)"
    )
    assert report.read_bytes() == before
    assert os.listdir(report.parent) == ["bericht.html"], "no partial file left beside it"


def test_text_formats_go_to_standard_output_with_a_dash(cli_env):
    markdown = run("heard-admin", "report", "--format", "md", "-o", "-", env=cli_env)
    assert markdown.returncode == 0, markdown.stderr
    assert markdown.stdout.startswith("# ") and "Wrote standard output (md" in markdown.stderr
    assert not Path("-").exists()
    refused = run("heard-admin", "results", "export", "--format", "xlsx", "-o", "-", env=cli_env)
    assert refused.returncode == 2 and "--format xlsx writes a file: add -o FILE" in refused.stderr


def test_survey_yaml_nested_too_deeply_or_not_utf8_is_reported_by_line(cli_env, tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("id: deep\nquestions: " + "[" * 50_000 + "\n", encoding="utf-8")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("id: latin\nversion: 1\ntitle: Bedürfnisse\n".encode("latin-1"))
    result = run("heard-admin", "surveys", "validate", str(deep), str(latin), env=cli_env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{deep}:2: not valid YAML: nested more than 64 levels deep",
        f"{latin}:3: not UTF-8 text (byte 31 cannot be read); save the file as UTF-8",
        "2 of 2 survey files with problems (listed above); fix them and run again.",
    ]

    # the same file among the surveys the bot loads: the problem, then one line, no traceback
    folder = tmp_path / "surveys"
    folder.mkdir()
    (folder / "deep.yaml").write_bytes(deep.read_bytes())
    config = Path(cli_env["HEARD_CONFIG"])
    config.write_text(config.read_text(encoding="utf-8") + f'\n[surveys]\ndirectories = ["{folder}"]\n',
                      encoding="utf-8")
    bot = run("heard-bot", "console", env=cli_env, stdin="")
    assert bot.returncode == 1 and "Traceback" not in bot.stderr
    assert bot.stderr.splitlines() == [
        f"{folder / 'deep.yaml'}:2: not valid YAML: nested more than 64 levels deep",
        "Error: a survey file is invalid: 1 problem, listed above; fix it and run again",
    ]


def test_an_unreachable_database_is_one_line_and_debug_shows_the_traceback(cli_env, tmp_path):
    env = {**cli_env, "HEARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}"}  # a folder, not a file
    expected = ("Error: database problem (unable to open database file); check [storage] database_url in "
                "heard.toml (or HEARD_DATABASE_URL) and that the database is reachable")
    assert one_line_failure(run("heard-admin", "surveys", "list", env=env), 1) == expected
    assert one_line_failure(run("heard-bot", "migrate", env=env), 1) == expected
    debug = run("heard-admin", "--debug", "surveys", "list", env=env)
    assert debug.returncode == 1 and "Traceback (most recent call last)" in debug.stderr
    assert debug.stderr.strip().splitlines()[-1] == expected


def test_help_and_version_as_in_pip_or_alembic(cli_env):
    env = {**cli_env, "COLUMNS": "300"}  # wide enough that only the help text itself could break a sentence
    for command in ("heard-admin", "heard-bot"):
        assert run(command, "-h", env=env).stdout == run(command, "--help", env=env).stdout
        version = run(command, "--version", env=env)
        assert version.returncode == 0 and version.stdout.startswith("Heard 0.1.0 (Python 3."), version.stdout
    export_help = run("heard-admin", "results", "export", "-h", env=env).stdout
    options = {line.split()[1]: line.split()[2:] for line in export_help.splitlines() if line.startswith("│ --")}
    assert options["--output"][:2] == ["-o", "FILE"] and options["--survey"][0] == "TEXT"
    assert options["--format"][0] == "[json|csv|xlsx|sav]" and options["--help"][:2] == ["-h", "Show"]
    for ugly in ("<str>", "<bool>", "<path>", "<int>"):
        assert ugly not in export_help, ugly
    assert "occurs at least k times (k = privacy.min_cell in heard.toml, default 5)" in export_help

    group = run("heard-admin", "results", env=env)  # a group without its command shows its help
    assert group.returncode == 0 and "Usage: heard-admin results" in group.stdout + group.stderr
    assert "Error" not in group.stderr

    unknown = run("heard-admin", "results", "summary", "--nope", env=env)
    assert one_line_failure(unknown, 2) == "Error: No such option: --nope (see `heard-admin results summary --help`)"
    assert one_line_failure(run("heard-bot", "nope", env=env), 2) == (
        "Error: No such command 'nope' (see `heard-bot --help`)"
    )
