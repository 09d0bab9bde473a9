"""The ``lrfinder`` command: ``demo``, ``plot`` and ``suggest`` (more commands register here).

Only this module writes to stdout. Every command is a function ``(args) -> exit code`` registered
by an ``add_*_parser(subparsers)`` function, so tests call :func:`main` in-process.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ._version import __version__
from .errors import LRFinderError
from .result import RangeTestResult, load
from .suggest import SUGGESTERS

ParserAdder = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit code (0 ok, 1 failure, 2 bad usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except OSError as error:  # a path that cannot be read or written: say which, and why
        print(f"lrfinder {args.command}: error: {_describe_os_error(error)}", file=sys.stderr)
        return 1
    except (LRFinderError, ValueError, TypeError, ImportError) as error:
        print(f"lrfinder {args.command}: error: {error}", file=sys.stderr)
        return 1


def _describe_os_error(error: OSError) -> str:
    """``[Errno 21] Is a directory: 'runs'`` as ``'runs': Is a directory``; our own OSErrors
    (which carry no file name) as they are."""
    if error.filename is None or error.strerror is None:
        return str(error)
    return f"{str(error.filename)!r}: {error.strerror}"


def non_negative_int(text: str) -> int:
    """An argparse type: an integer >= 0 (a seed, a count that may be 0)."""
    try:
        value = int(text)
    except ValueError:
        msg = f"expected an integer >= 0, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if value < 0:
        msg = f"must be >= 0, got {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def output_folder(out: Path) -> Path:
    """Makes the output folder ``out`` before any work, so that a path that cannot hold the
    outputs (an existing file, a folder without write permission) fails at once, not after
    the range test has run."""
    import os

    if out.exists() and not out.is_dir():
        msg = f"--out {str(out)!r} is a file, not a folder: pass a folder for the outputs."
        raise OSError(msg)
    out.mkdir(parents=True, exist_ok=True)
    if not os.access(out, os.W_OK | os.X_OK):
        msg = f"--out {str(out)!r} is not writable: pass a folder you can write to."
        raise OSError(msg)
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lrfinder",
        description="Find a good learning rate in one short run (the LR range test).",
    )
    parser.add_argument("--version", action="version", version=f"lrfinder {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add_parser in _parser_adders():
        add_parser(subparsers)
    return parser


def _parser_adders() -> list[ParserAdder]:
    from .setup_probes import add_refine_parser
    from .user_setup import add_run_parser
    from .verify import add_verify_parser

    return [
        add_demo_parser,
        add_plot_parser,
        add_suggest_parser,
        add_run_parser,
        add_verify_parser,
        add_refine_parser,
    ]


# --- demo -----------------------------------------------------------------------------------------


def add_demo_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = subparsers.add_parser(
        "demo",
        help="run the range test on the bundled handwritten digits (a small CNN)",
        description=(
            "Run the LR range test on the bundled handwritten-digits data set (1,797 8x8 images) "
            "with a small CNN and AdamW, then train briefly with OneCycleLR at the suggestion."
        ),
    )
    demo.add_argument("--out", type=Path, default=Path("lrfinder-demo"), help="output folder")
    demo.add_argument("--num-steps", type=int, default=100, help="steps of the range test")
    demo.add_argument(
        "--seed",
        type=non_negative_int,
        default=0,
        help="seed of the model, the data order and later runs",
    )
    demo.add_argument(
        "--train-epochs",
        type=non_negative_int,
        default=3,
        help="epochs of 1cycle training at the suggestion afterwards (0 to skip)",
    )
    demo.add_argument(
        "--runs",
        default="auto",
        metavar="N",
        help=(
            "range tests from the same start with different batch orders: 'auto' (the default) "
            "runs one, and five when its curve cannot be read alone; 5 draws the band of five"
        ),
    )
    demo.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    demo.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    try:
        import torch  # noqa: F401 - only to give a clear message when it is missing
    except ImportError:
        print("lrfinder demo needs torch: pip install 'lrfinder[demo]'", file=sys.stderr)
        return 1
    from .data import digits_demo
    from .torch import lr_find
    from .user_setup import run_count

    runs = run_count(args.runs)  # before the data and the model are built
    output_folder(args.out)
    setup = digits_demo(seed=args.seed)
    print(
        "lrfinder demo: small CNN on the bundled handwritten digits "
        f"({len(setup['train_loader'].dataset)} training images, batch 64, AdamW)"
    )
    started = time.perf_counter()
    result = lr_find(
        setup["model"],
        setup["optimizer"],
        setup["train_loader"],
        setup["loss_fn"],
        num_steps=args.num_steps,
        progress=not args.no_progress,
        runs=runs,
        seed=args.seed,  # the later runs' batch orders, when there are several
    )
    print(f"range test: {time.perf_counter() - started:.1f} s")
    print(result.summary())
    outputs = _write_outputs(result, args.out, "lrfinder-demo")
    if args.train_epochs > 0:
        accuracy = _train_one_cycle(setup, result.suggestion, args.train_epochs)
        print(
            f"trained {args.train_epochs} epoch{'s' if args.train_epochs != 1 else ''} with "
            f"OneCycleLR(max_lr={result.suggestion:.3g}): "
            f"validation accuracy {accuracy:.1%}"
        )
    for path in outputs:
        print(f"wrote {path}")
    return 0


def _train_one_cycle(setup: dict[str, Any], max_lr: float, epochs: int) -> float:
    """Trains the demo model with 1cycle at ``max_lr`` and returns the validation accuracy."""
    import torch as th

    model, optimizer = setup["model"], setup["optimizer"]
    loader, loss_fn = setup["train_loader"], setup["loss_fn"]
    scheduler = th.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=max_lr, total_steps=epochs * len(loader)
    )
    model.train()
    for _ in range(epochs):
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss_fn(model(inputs), targets).backward()
            optimizer.step()
            scheduler.step()
    model.eval()
    correct = total = 0
    with th.no_grad():
        for inputs, targets in setup["val_loader"]:
            correct += int((model(inputs).argmax(dim=1) == targets).sum())
            total += len(targets)
    return correct / total


def _write_outputs(result: RangeTestResult, out: Path, stem: str) -> list[Path]:
    """Writes ``stem.json`` and (with matplotlib) ``stem.png`` into ``out``; returns the paths.

    Under ``torchrun``, only rank 0 writes (every rank holds the same result).
    """
    from .distributed import is_main_process

    if not is_main_process():
        return []
    out.mkdir(parents=True, exist_ok=True)
    written = [result.save(out / f"{stem}.json")]
    try:
        from .plot import save_figure
    except ImportError:
        return written
    try:
        # Two other readings for comparison: the steepest descent and fastai's minimum / 10.
        ax = result.plot(methods=tuple(m for m in ("steepest", "minimum") if m != result.method))
    except ImportError as error:
        print(f"(no plot: {error})", file=sys.stderr)
        return written
    png = out / f"{stem}.png"
    save_figure(ax, png)
    written.append(png)
    return written


# --- plot -----------------------------------------------------------------------------------------


def add_plot_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    plot = subparsers.add_parser("plot", help="draw a saved run as a PNG")
    plot.add_argument(
        "path", metavar="RUN.json", type=Path, help="a result saved with result.save(...)"
    )
    plot.add_argument("-o", "--output", type=Path, help="PNG to write (default: RUN with .png)")
    plot.add_argument(
        "--method",
        action="append",
        choices=sorted(SUGGESTERS),
        default=None,
        help="also mark this rule's pick (repeatable)",
    )
    plot.set_defaults(handler=run_plot)


def run_plot(args: argparse.Namespace) -> int:
    from .plot import save_figure

    result = load(args.path)
    output = args.output or args.path.with_suffix(".png")
    if not output.suffix:  # matplotlib would add ".png" itself, and we would name another file
        output = output.with_suffix(".png")
    save_figure(result.plot(methods=tuple(args.method or ())), output)
    print(f"wrote {output}")
    return 0


# --- suggest --------------------------------------------------------------------------------------


def add_suggest_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    suggest = subparsers.add_parser("suggest", help="print the suggestion of a saved run")
    suggest.add_argument("path", metavar="RUN.json", type=Path, help="a result saved as JSON")
    suggest.add_argument(
        "--method",
        choices=sorted(SUGGESTERS),
        default=None,
        help="rule to apply (default: the run's default rule)",
    )
    suggest.set_defaults(handler=run_suggest)


def run_suggest(args: argparse.Namespace) -> int:
    result = load(args.path)
    suggestion = result.suggest(args.method)
    print(f"{suggestion.lr:.6g}")
    for message in result.warnings:
        print(f"warning: {message}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
