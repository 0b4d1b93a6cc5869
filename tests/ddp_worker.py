"""One process of a torchrun job that trains every case of tests/test_distributed_fit.py.

    python -m torch.distributed.run --nproc_per_node 2 tests/ddp_worker.py OUT_DIR

``fit`` finds the torchrun environment by itself (``distributed="auto"``). Every rank saves what it trained
(``OUT_DIR/<case>.rank<r>.pt``), so the test can compare ranks with each other and with one process.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import torch
import torch.distributed as dist

# the cases, shared with the test: (name, method, data, options); the data are built from a seed here
CASES = {
    "simvae": ("simvae", "gray", {}),
    "vae": ("vae", "gray", {}),
    "beta_vae": ("beta_vae", "gray", {"beta": 2.0}),
    "cr_vae": ("cr_vae", "gray", {}),
    "simclr": ("simclr", "gray", {}),
    "clip": ("clip", "gray", {}),
    "moco": ("moco", "gray", {"queue_size": 40}),
    "instance_discrimination": ("instance_discrimination", "gray", {}),
    "instance_parametric": ("instance_discrimination", "gray", {"parametric": True}),
    "moco_symmetric": ("moco", "gray", {"queue_size": 40, "symmetric": True}),
    "vicreg": ("vicreg", "gray", {}),
    "barlow_twins": ("barlow_twins", "gray", {"lr": 1e-4}),
    "byol": ("byol", "gray", {}),
    "simsiam": ("simsiam", "gray", {}),
    "dino": ("dino", "gray", {"n_prototypes": 16}),
    "swav": ("swav", "gray", {"n_prototypes": 12, "lr": 1e-4}),
    "simvae_resnet": ("simvae", "colour", {"batch_size": 8, "lr": 1e-5}),
    "simclr_views": ("simclr", "views", {"n_views": 2}),
}
COMMON = {
    "epochs": 2,
    "latent_dim": 4,
    "seed": 3,
    "batch_size": 16,
    "optimizer": "sgd",
    "lr": 1e-3,
    "progress": False,
}


def data(kind: str):
    """Small uint8 images (augmented in fit) or a float view pool (4 views, 2 drawn per step)."""
    from simvae_core.data import Dataset, Split

    g = torch.Generator().manual_seed(11)
    if kind == "views":
        return torch.rand(48, 4, 6, generator=g)
    shape = (1, 28, 28) if kind == "gray" else (3, 32, 32)
    x = torch.randint(0, 256, (48 if kind == "gray" else 16, *shape), generator=g, dtype=torch.uint8)
    split = Split(x=x, labels=torch.zeros(len(x), dtype=torch.long))
    return Dataset("tiny", split, split, split, shape, 1, None, "test")


def options(name: str) -> dict:
    return {**COMMON, **CASES[name][2]}


def state(trained) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in trained.model.state_dict().items()}


def main(out: Path, only: list[str]) -> None:
    from simvae_core.learning import distributed as dist_tools
    from simvae_core.learning.train import fit

    torch.set_num_threads(1)
    rank = int(os.environ["RANK"])
    for name in only or list(CASES):
        method, kind, _ = CASES[name]
        trained = fit(method, data(kind), **options(name))
        torch.save(state(trained), out / f"{name}.rank{rank}.pt")
    # checkpoints: a run started here and resumed by one process, and a one-process run resumed here
    fit("simclr", data("gray"), **{**options("simclr"), "epochs": 1}, checkpoint_dir=out / "ckpt_ddp")
    resumed = fit("simclr", data("gray"), **options("simclr"), checkpoint_dir=out / "ckpt_single")
    torch.save(state(resumed), out / f"resumed_here.rank{rank}.pt")
    # the pitfall: a gather that drops the gradient of the other ranks' rows
    real = dist_tools.gather_with_grad

    def dropped(x, check=True):
        parts = [torch.empty_like(x) for _ in range(dist.get_world_size())]
        dist.all_gather(parts, x.detach().contiguous())
        parts[dist.get_rank()] = x
        return torch.cat(parts)

    dist_tools.gather_with_grad = dropped
    trained = fit("simclr", data("gray"), **options("simclr"))
    dist_tools.gather_with_grad = real
    torch.save(state(trained), out / f"simclr_dropped.rank{rank}.pt")
    dist.destroy_process_group()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
