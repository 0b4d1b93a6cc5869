"""gather_with_grad on two CPU processes (gloo): the global-batch loss and, after DDP's averaging, the
parameter gradients equal one process holding the whole batch; a gather that drops the gradient (the
known pitfall) gives a visibly different gradient, so the check has teeth."""

import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from simvae_core.learning.distributed import gather_with_grad, world
from simvae_core.objectives.discriminative import nt_xent, vicreg

B, J, D_IN, D = 8, 2, 6, 4


def _setup():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(B, J, D_IN, generator=g, dtype=torch.float64)
    torch.manual_seed(1)
    encoder = torch.nn.Linear(D_IN, D).double()
    return x, encoder


def _grads(encoder):
    return torch.cat([p.grad.reshape(-1) for p in encoder.parameters()])


def _worker(rank, world_size, init_file, out_dir, loss_name):
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world_size)
    torch.set_num_threads(1)
    loss_fn = {"nt_xent": nt_xent, "vicreg": vicreg}[loss_name]
    x, encoder = _setup()
    rows = B // world_size
    local = encoder(x[rank * rows : (rank + 1) * rows])
    result = {"world": world()}
    # with the gradient: the global batch
    loss = loss_fn(gather_with_grad(local))
    loss.backward()
    grad = _grads(encoder)
    dist.all_reduce(grad)
    result["loss"], result["grad"] = loss.detach(), grad / world_size  # DDP averages over ranks
    # the pitfall: all_gather without a graph, own rows put back so only they carry gradient
    encoder.zero_grad()
    local = encoder(x[rank * rows : (rank + 1) * rows])
    parts = [torch.empty_like(local) for _ in range(world_size)]
    dist.all_gather(parts, local.detach())
    parts[rank] = local
    loss_fn(torch.cat(parts)).backward()
    grad = _grads(encoder)
    dist.all_reduce(grad)
    result["grad_dropped"] = grad / world_size
    # unequal shapes are refused on every rank
    try:
        gather_with_grad(torch.zeros(rank + 1, 3))
    except ValueError as err:
        result["error"] = str(err)
    torch.save(result, os.path.join(out_dir, f"rank{rank}.pt"))
    dist.destroy_process_group()


@pytest.mark.parametrize("loss_name", ["nt_xent", "vicreg"])
def test_two_processes_reproduce_one_process_with_the_global_batch(tmp_path, loss_name):
    mp.spawn(_worker, args=(2, str(tmp_path / "init"), str(tmp_path), loss_name), nprocs=2, join=True)
    x, encoder = _setup()
    loss = {"nt_xent": nt_xent, "vicreg": vicreg}[loss_name](encoder(x))
    loss.backward()
    reference = _grads(encoder)
    for rank in (0, 1):
        r = torch.load(tmp_path / f"rank{rank}.pt", weights_only=True)
        assert r["world"] == (rank, 2)
        torch.testing.assert_close(r["loss"], loss.detach(), rtol=1e-12, atol=0)
        rel = float((r["grad"] - reference).norm() / reference.norm())
        assert rel < 1e-10, f"rank {rank}: gradient differs from one process by {rel:.2e} (relative)"
        dropped = float((r["grad_dropped"] - reference).norm() / reference.norm())
        assert dropped > 0.05, f"a gather without gradient should not match ({dropped:.2e})"
        assert "same shape on every rank" in r["error"] and "0: (1, 3)" in r["error"]


def test_without_a_process_group_it_is_one_process():
    assert world() == (0, 1)
    x = torch.randn(3, 2)
    assert gather_with_grad(x) is x


def _bn_worker(rank, world_size, init_file, out_dir):
    from simvae_core.learning.distributed import global_batch, synchronise_batchnorm, training_world

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world_size)
    torch.set_num_threads(1)
    x, w, net = _bn_setup()
    synchronise_batchnorm(net)
    rows = x.shape[0] // world_size
    local = x[rank * rows : (rank + 1) * rows].clone().requires_grad_(True)
    with training_world(rank, world_size):
        (y,) = global_batch(net(local))
        (y * w).sum().backward()
    grads = torch.cat([p.grad.reshape(-1) for p in net.parameters()])
    dist.all_reduce(grads)
    torch.save(
        {"y": y.detach(), "x_grad": local.grad / 1.0, "grads": grads / world_size, "state": net.state_dict()},
        os.path.join(out_dir, f"bn{rank}.pt"),
    )
    dist.destroy_process_group()


def _bn_setup():
    g = torch.Generator().manual_seed(3)
    x = 2.0 + 3.0 * torch.randn(8, 4, 5, 5, generator=g, dtype=torch.float64)  # a mean far from 0
    w = torch.randn(8, 3, 5, 5, generator=g, dtype=torch.float64)
    torch.manual_seed(4)
    net = torch.nn.Sequential(
        torch.nn.BatchNorm2d(4), torch.nn.Conv2d(4, 3, 3, padding=1), torch.nn.BatchNorm2d(3, momentum=None)
    ).double()
    with torch.no_grad():
        net[0].weight.uniform_(0.5, 1.5)
        net[0].bias.uniform_(-1, 1)
    return x, w, net


def test_global_batchnorm_equals_batchnorm_over_the_global_batch(tmp_path):
    mp.spawn(_bn_worker, args=(2, str(tmp_path / "init"), str(tmp_path)), nprocs=2, join=True)
    x, w, net = _bn_setup()
    x = x.requires_grad_(True)
    y = net(x)
    (y * w).sum().backward()
    grads = torch.cat([p.grad.reshape(-1) for p in net.parameters()])
    for rank in (0, 1):
        r = torch.load(tmp_path / f"bn{rank}.pt", weights_only=True)
        torch.testing.assert_close(r["y"], y.detach(), rtol=1e-12, atol=1e-12)
        # rank r's input gradient is W times its rows' share (the gather's sum), DDP divides it out
        torch.testing.assert_close(r["x_grad"] / 2, x.grad[rank * 4 : (rank + 1) * 4], rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(r["grads"], grads, rtol=1e-10, atol=1e-12)
        for key, value in net.state_dict().items():  # running mean, unbiased running variance, counter
            torch.testing.assert_close(r["state"][key], value, rtol=1e-12, atol=1e-14)


def test_synchronise_batchnorm_keeps_state_dict_and_sharing():
    from simvae_core.learning.distributed import GlobalBatchNorm, synchronise_batchnorm

    shared = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    net = torch.nn.ModuleDict({"a": shared, "b": torch.nn.Sequential(shared, torch.nn.BatchNorm1d(4))})
    before = {k: v.clone() for k, v in net.state_dict().items()}
    x = torch.randn(6, 3)
    synchronise_batchnorm(net)
    assert isinstance(net["a"][1], GlobalBatchNorm) and net["a"][1] is net["b"][0][1]
    assert net.state_dict().keys() == before.keys()
    plain = torch.nn.BatchNorm1d(4)
    plain.load_state_dict({k[len("a.1.") :]: v for k, v in before.items() if k.startswith("a.1.")})
    h = net["a"][0](x)
    torch.testing.assert_close(net["a"][1](h), plain(h), rtol=0, atol=0)  # outside a distributed fit: BN
