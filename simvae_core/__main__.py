"""Command line: ``python -m simvae_core train|evaluate ...``.

    python -m simvae_core train --method simvae --data fashion_mnist --epochs 10 --out runs/simvae
    python -m simvae_core train --method beta_vae --data mnist5k --set beta=2 --set lr=3e-4 --out runs/bvae
    python -m simvae_core evaluate --checkpoint runs/simvae/last.pt

``train`` writes ``<out>/last.pt`` (a checkpoint after every epoch; running the same command again resumes)
and ``<out>/metrics.json``. ``evaluate`` writes ``<out>/eval.json`` (default: next to the checkpoint) with
content probes on the class labels and style probes on augmentation parameters of held-out views. Both
JSON files carry the full config, the seed, the code version and the package versions.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from . import repro
from ._io import write_json_atomic


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
            raise SystemExit(f"--set expects key=value (e.g. --set sigma2=0.15), got {pair!r}")
        options[key.replace("-", "_")] = _parse_value(value)
    return options


def _provenance(argv: list[str]) -> dict[str, Any]:
    return {
        "command": "python -m simvae_core " + " ".join(argv),
        "code_version": repro.code_version(),
        "packages": repro.package_versions(),
        "environment": repro.environment_flags(),
    }


def cmd_train(args: argparse.Namespace, argv: list[str]) -> int:
    from .train import fit

    options = _parse_sets(args.set)
    if args.preset:
        options["preset"] = args.preset
    if args.device:
        options["device"] = args.device
    out = Path(args.out)
    trained = fit(
        args.method,
        args.data,
        epochs=args.epochs,
        latent_dim=args.latent_dim,
        seed=args.seed,
        checkpoint_dir=out,
        progress=not args.no_progress,
        **options,
    )
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
    from .data import load_dataset
    from .evaluate import evaluate_trained
    from .train import model_from_checkpoint

    trained = model_from_checkpoint(args.checkpoint, device=args.device)
    dataset_name = args.data or trained.config.dataset
    if dataset_name == "tensor":
        raise SystemExit("this checkpoint was trained on a tensor of views; pass --data with a dataset name")
    dataset = load_dataset(dataset_name)
    results = evaluate_trained(
        trained, dataset, probes=tuple(args.probes), style=not args.no_style, seed=args.seed
    )
    out = Path(args.out) if args.out else Path(args.checkpoint).parent / "eval.json"
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


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="python -m simvae_core",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train a method and save checkpoint + metrics")
    train.add_argument("--method", required=True, help="simvae, vae, beta_vae, cr_vae, ...")
    train.add_argument("--data", required=True, help="dataset name, e.g. fashion_mnist, mnist5k, digits")
    train.add_argument("--epochs", type=int, default=10)
    train.add_argument("--latent-dim", type=int, default=10)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", required=True, help="run folder (checkpoint and metrics)")
    train.add_argument("--preset", choices=["authors"], default=None, help="the authors' optimiser and batch")
    train.add_argument("--device", default=None, help="cuda, mps or cpu (default: best available)")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any fit() option")
    train.add_argument("--no-progress", action="store_true")
    evaluate = sub.add_parser("evaluate", help="probe a trained model's representation")
    evaluate.add_argument("--checkpoint", required=True)
    evaluate.add_argument("--data", default=None, help="dataset (default: the one it was trained on)")
    evaluate.add_argument(
        "--probes", nargs="+", default=["linear", "mlp", "knn"], choices=["linear", "mlp", "knn"]
    )
    evaluate.add_argument("--no-style", action="store_true", help="skip the style (augmentation) probes")
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--device", default=None)
    evaluate.add_argument("--out", default=None, help="JSON path (default: eval.json beside the checkpoint)")
    args = parser.parse_args(argv)
    try:
        if args.command == "train":
            return cmd_train(args, argv)
        return cmd_evaluate(args, argv)
    except (ValueError, TypeError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
