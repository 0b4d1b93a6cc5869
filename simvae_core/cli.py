"""Command line: ``simvae train|evaluate ...`` (or ``python -m simvae_core train|evaluate ...``).

    simvae train --method simvae --data fashion_mnist --epochs 10 --out runs/simvae
    simvae train --method beta_vae --data mnist5k --set beta=2 --set lr=3e-4 --out runs/bvae
    simvae evaluate --checkpoint runs/simvae/last.pt

``train`` writes ``<out>/last.pt`` (a checkpoint after every epoch; running the same command again resumes)
and ``<out>/metrics.json``. Under ``torchrun --nproc_per_node N -m simvae_core train ...`` every process
trains its shard of the global batch (``batch_size``) and rank 0 alone writes both files.
``evaluate`` writes ``<out>/eval.json`` (default: next to the checkpoint) with content probes on the class
labels and style probes on augmentation parameters of held-out views. Both JSON files carry the full config,
the seed, the code version and the package versions.

Everything that can be checked before work starts is: the output folder is writable, the device exists,
``--set`` names known options with values of the right type, the checkpoint can be loaded. A failure is
one line on stderr (exit status 2); an interrupted run says where its last epoch was saved (status 130).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from . import repro
from .atomic import ensure_writable_dir, write_json_atomic

PROG = "simvae"


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text  # a bare word is a string (e.g. prior=flat)


def _parse_sets(pairs: list[str]) -> dict[str, Any]:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--set expects key=value (e.g. --set sigma2=0.15), got {pair!r}")
        options[key.replace("-", "_")] = _parse_value(value)
    return options


def _provenance(argv: list[str]) -> dict[str, Any]:
    return {
        "command": f"{PROG} " + " ".join(argv),
        "code_version": repro.code_version(),
        "packages": repro.package_versions(),
        "environment": repro.environment_flags(),
    }


def _say(message: str) -> None:
    print(f"[{PROG}] {message}", file=sys.stderr, flush=True)


def cmd_train(args: argparse.Namespace, argv: list[str]) -> int:
    out = ensure_writable_dir(args.out, "--out folder")
    options = _parse_sets(args.set)
    if args.preset:
        options["preset"] = args.preset
    if args.device:
        repro.default_device(args.device)  # an unavailable device is one line, before any data is loaded
        options["device"] = args.device

    from .learning.train import fit  # torch is imported here, not for --help

    trained = fit(
        args.method,
        args.data,
        **({"steps": args.steps} if args.steps is not None else {"epochs": args.epochs or 10}),
        latent_dim=args.latent_dim,
        seed=args.seed,
        checkpoint_dir=out,
        progress=not args.no_progress,
        **({"cache": True} if args.cache else {}),
        **options,
    )
    from .learning.distributed import world

    if world()[0] != 0:  # a torchrun job: rank 0 writes the metrics and reports, the others only train
        return 0
    metrics = {
        "config": trained.config.as_dict(),
        "seed": args.seed,
        "history": trained.history,
        "device": str(trained.device),
        **_provenance(argv),
    }
    write_json_atomic(out / "metrics.json", metrics)
    last = {k: v[-1] for k, v in trained.history.items() if v}
    print(json.dumps({"out": str(out), "final_epoch": last}, indent=2))
    return 0


def cmd_evaluate(args: argparse.Namespace, argv: list[str]) -> int:
    out = Path(args.out) if args.out else Path(args.checkpoint).parent / "eval.json"
    ensure_writable_dir(out.parent, "folder of --out")
    if args.device:
        repro.default_device(args.device)

    from .analysis.evaluate import evaluate_trained
    from .data import load_dataset
    from .learning.train import model_from_checkpoint

    _say(f"loading {args.checkpoint}")
    trained = model_from_checkpoint(args.checkpoint, device=args.device)
    dataset_name = args.data or trained.config.dataset
    if dataset_name == "tensor":
        raise ValueError("this checkpoint was trained on a tensor of views; pass --data with a dataset name")
    _say(f"loading dataset {dataset_name}")
    dataset = load_dataset(dataset_name)
    started = time.perf_counter()
    results = evaluate_trained(
        trained,
        dataset,
        probes=tuple(args.probes),
        style=not args.no_style,
        seed=args.seed,
        progress=lambda stage: _say(f"{stage} ({time.perf_counter() - started:.0f} s)"),
    )
    payload = {
        "checkpoint": str(args.checkpoint),
        "dataset": dataset_name,
        "config": trained.config.as_dict(),
        "seed": args.seed,
        "results": {key: result.as_dict() for key, result in results.items()},
        **_provenance(argv),
    }
    write_json_atomic(out, payload)
    for key, result in results.items():
        print(f"{key:32s} {result}")
    print(f"wrote {out}")
    return 0


def cmd_cache(args: argparse.Namespace) -> int:
    from .learning import cache as model_cache  # torch: only this command needs it

    folder = model_cache.cache_dir(args.dir)
    entries = model_cache.list_entries(args.dir)
    if args.action == "clear":
        print(f"deleted {model_cache.clear_cache(args.dir)} cached model(s) from {folder}")
        return 0
    size = sum(p.stat().st_size for p in entries)
    state = "on" if model_cache.cache_enabled() else f"off (${model_cache.CACHE_SWITCH_ENV})"
    print(f"{folder}: {len(entries)} cached model(s), {size / 2**20:.1f} MiB; cache {state}")
    return 0


def _parser() -> argparse.ArgumentParser:
    class Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
        pass

    parser = argparse.ArgumentParser(prog=PROG, description=__doc__, formatter_class=Formatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser(
        "train", help="train a method and save checkpoint + metrics", formatter_class=Formatter
    )
    train.add_argument(
        "--method",
        required=True,
        help="simvae, vae, beta_vae, cr_vae, simclr, vicreg, moco, ... (see README)",
    )
    train.add_argument("--data", required=True, help="dataset name, e.g. fashion_mnist, mnist5k, digits")
    length = train.add_mutually_exclusive_group()
    length.add_argument("--epochs", type=int, default=None, help="passes over the training split (10)")
    length.add_argument("--steps", type=int, default=None, help="optimisation steps instead of epochs")
    train.add_argument("--latent-dim", type=int, default=10, help="dimension of the representation")
    train.add_argument("--seed", type=int, default=0, help="the one seed behind every random draw")
    train.add_argument("--out", required=True, help="run folder (checkpoint last.pt and metrics.json)")
    train.add_argument("--preset", choices=["authors"], default=None, help="the authors' optimiser and batch")
    train.add_argument("--device", default=None, help="cuda, mps or cpu (default: the best available)")
    train.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="any fit() option, e.g. sigma2=0.15"
    )
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.add_argument(
        "--cache",
        action="store_true",
        help="also store the trained model in the model cache ($SIMVAE_CACHE_DIR), under the key that "
        "fit(..., cache=True) with the same options computes, so a notebook loads it instead of training",
    )
    evaluate = sub.add_parser(
        "evaluate", help="probe a trained model's representation", formatter_class=Formatter
    )
    evaluate.add_argument("--checkpoint", required=True, help="a last.pt written by train")
    evaluate.add_argument("--data", default=None, help="dataset (default: the one it was trained on)")
    evaluate.add_argument(
        "--probes",
        nargs="+",
        default=["linear", "mlp", "knn"],
        choices=["linear", "mlp", "knn"],
        help="probes",
    )
    evaluate.add_argument("--no-style", action="store_true", help="skip the style (augmentation) probes")
    evaluate.add_argument("--seed", type=int, default=0, help="seed of the probes and the held-out views")
    evaluate.add_argument("--device", default=None, help="cuda, mps or cpu (default: the best available)")
    evaluate.add_argument("--out", default=None, help="JSON path (default: eval.json beside the checkpoint)")
    cache = sub.add_parser(
        "cache", help="the cache of trained models: where it is, how big, clear it", formatter_class=Formatter
    )
    cache.add_argument("action", choices=["info", "clear"], help="show the cache, or delete its entries")
    cache.add_argument("--dir", default=None, help="cache folder (default: $SIMVAE_CACHE_DIR or ~/.cache)")
    return parser


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    try:
        if args.command == "train":
            return cmd_train(args, argv)
        if args.command == "cache":
            return cmd_cache(args)
        return cmd_evaluate(args, argv)
    except KeyboardInterrupt:
        where = ""
        if args.command == "train":
            checkpoint = Path(args.out) / "last.pt"
            where = (
                f"; the last completed epoch is saved in {checkpoint}: run the same command to resume"
                if checkpoint.exists()
                else "; no epoch was completed, nothing was saved"
            )
        print(f"interrupted{where}", file=sys.stderr)
        return 130
    except (ValueError, TypeError, FileNotFoundError, FloatingPointError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
