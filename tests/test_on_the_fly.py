"""On-the-fly augmentation (chapter 6's problem): random shifts and rotations drawn afresh every
epoch from the run's seed, through the trainer's Options.augment hook, with no expanded set."""

from __future__ import annotations

import numpy as np
import pytest

from nnsci.data.augment import OnTheFly, on_the_fly, rotate, rotate_each, shift_each
from nnsci.engine import Dataset, Network, Options, OurStreams, sgd
from nnsci.engine.epochs import Feed
from nnsci.errors import NnsciError


def images(n=40, seed=0, dtype=np.float32):
    """MNIST-like images: an empty border of 4 pixels, pixels k/256 inside."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 28, 28), dtype)
    x[:, 4:24, 4:24] = rng.integers(0, 256, (n, 20, 20)) / 256
    return x.reshape(n, 784)


def test_same_seed_same_bytes_and_fresh_draws_each_epoch():
    x = images()
    a = OnTheFly(x, np.random.SeedSequence(7), shift=2, rotate=15)
    b = OnTheFly(x.copy(), np.random.SeedSequence(7), shift=2, rotate=15)
    other = OnTheFly(x, np.random.SeedSequence(8), shift=2, rotate=15)
    e0, e1 = a(0), a(1)
    assert e0.dtype == x.dtype and e0.shape == x.shape
    assert e0.tobytes() == b(0).tobytes() and e1.tobytes() == b(1).tobytes()
    assert a(0).tobytes() == e0.tobytes()          # an epoch's draw does not depend on what came before
    assert not np.array_equal(e0, e1)               # a fresh draw each epoch
    assert not np.array_equal(e0, other(0))         # another seed, other draws
    assert not np.array_equal(e0, x)
    # The run's spawn key matters too: two runs of one root seed draw differently.
    child = OnTheFly(x, np.random.SeedSequence(7, spawn_key=(1,)), shift=2, rotate=15)
    assert not np.array_equal(e0, child(0))


def test_draws_stay_within_bounds():
    x = images(2000)
    aug = OnTheFly(x, np.random.SeedSequence(1), shift=2, rotate=15)
    for epoch in (0, 5):
        degrees, rows, cols = aug.draws(epoch)
        assert np.abs(degrees).max() <= 15 and np.abs(degrees).max() > 14
        assert set(rows.tolist()) == set(cols.tolist()) == {-2, -1, 0, 1, 2}
        assert abs(degrees.mean()) < 1 and abs(rows.mean()) < 0.2   # centred
    degrees, rows, cols = OnTheFly(x, np.random.SeedSequence(1), shift=0, rotate=15).draws(0)
    assert (rows == 0).all() and (cols == 0).all()
    degrees, rows, cols = OnTheFly(x, np.random.SeedSequence(1), shift=1, rotate=0).draws(0)
    assert (degrees == 0).all() and set(rows.tolist()) == {-1, 0, 1}


def test_each_image_is_its_rotation_then_its_shift():
    x = images(30)
    aug = OnTheFly(x, np.random.SeedSequence(2), shift=2, rotate=15, chunk=7)   # chunks change nothing
    degrees, rows, cols = aug.draws(3)
    expected = shift_each(rotate_each(x.reshape(-1, 28, 28), degrees).astype(x.dtype), rows, cols)
    assert aug(3).tobytes() == expected.reshape(30, 784).tobytes()
    for i in range(3):   # rotate_each is rotate, image by image
        np.testing.assert_array_equal(rotate_each(x[i:i + 1].reshape(1, 28, 28), degrees[i:i + 1])[0],
                                      rotate(x[i].reshape(28, 28).astype(np.float64), degrees[i]))


def test_a_shifted_pixel_moves_by_the_drawn_amount():
    x = np.zeros((25, 784), np.float32)
    x[:, 14 * 28 + 13] = 1.0                      # one bright pixel at (14, 13)
    aug = OnTheFly(x, np.random.SeedSequence(3), shift=2, rotate=0)
    _, rows, cols = aug.draws(0)
    out = aug(0).reshape(25, 28, 28)
    for img, dr, dc in zip(out, rows, cols):
        (r,), (c,) = np.nonzero(img)
        assert (r - 14, c - 13) == (dr, dc) and abs(dr) <= 2 and abs(dc) <= 2
        assert img.sum() == 1.0


def test_shift_each_zero_fills_what_moves_in():
    ones = np.ones((2, 28, 28), np.uint8)
    out = shift_each(ones, np.array([2, -1]), np.array([-2, 0]))
    assert (out[0, :2] == 0).all() and (out[0, :, 26:] == 0).all() and out[0].sum() == 26 * 26
    assert (out[1, 27] == 0).all() and out[1].sum() == 27 * 28


def test_rotation_keeps_the_pixels_in_range():
    x = images(50)
    out = OnTheFly(x, np.random.SeedSequence(4), shift=0, rotate=15)(0)
    assert out.min() >= 0 and out.max() <= x.max()
    # a small rotation of an MNIST-like image loses little ink
    assert abs(float(out.sum()) - float(x.sum())) < 0.02 * float(x.sum())


def test_the_spec_option():
    from nnsci.experiments.spec import validate

    base = {"net": [784, 10, 10], "eta": 1.0, "epochs": 1, "train": {"set": "training"}}
    spec = validate({**base, "options": {"augment": {"shift": 2, "rotate": 15}}}, "ch7.aug")
    aug = on_the_fly(spec, images(5), np.random.SeedSequence(0))
    assert isinstance(aug, OnTheFly) and (aug.shift, aug.rotate) == (2, 15.0)
    assert on_the_fly(validate(dict(base), "ch7.plain"), images(5), np.random.SeedSequence(0)) is None
    with pytest.raises(NnsciError, match="ch7.bad"):
        validate({**base, "options": {"augment": {"shear": 3}}}, "ch7.bad")
    with pytest.raises(NnsciError, match="ch7.bad"):
        validate({**base, "options": {"augment": {"shift": -1}}}, "ch7.bad")
    with pytest.raises(NnsciError, match="augmentation needs 28x28 images"):
        OnTheFly(np.zeros((3, 20), np.float32), np.random.SeedSequence(0))


# ---- the trainer's hook --------------------------------------------------------------------------

def small_data(n=60):
    rng = np.random.default_rng(0)
    return Dataset.classification(images(n), rng.integers(0, 10, n), 10, "float32")


def train(data, epochs=3, augment=None, checkpoint=None, seed=11):
    net = Network([784, 12, 10], "sigmoid", "softmax", "log_likelihood", "float32")
    st = OurStreams(np.random.SeedSequence(seed))
    net.initialize("default", st.normal)
    hist = sgd(net, data, epochs, 10, 0.5, st, evaluation=data,
               options=Options(augment=augment, monitors=("evaluation_accuracy",)),
               checkpoint=checkpoint, checkpoint_key="aug")
    return net, hist


def test_the_feed_keeps_labels_and_targets():
    data = small_data()
    aug = OnTheFly(data.x, np.random.SeedSequence(5))
    feed = Feed(data, aug)
    assert feed.data is data
    feed.begin(2)
    assert feed.data.labels is data.labels and feed.data.t is data.t
    assert feed.data.x.tobytes() == aug(2).tobytes()
    assert Feed(data).begin(0) is None and Feed(data).data is data
    with pytest.raises(NnsciError, match="augment: epoch 0's inputs must be an array of shape"):
        Feed(data, lambda epoch: data.x[:5]).begin(0)


def test_the_trainer_asks_once_per_epoch_and_trains_on_what_it_gets():
    data = small_data()
    aug = OnTheFly(data.x, np.random.SeedSequence(5))
    asked = []

    def recording(epoch):
        asked.append(epoch)
        return aug(epoch)

    net_a, hist_a = train(data, augment=recording)
    assert asked == [0, 1, 2]
    net_b, _ = train(data, augment=OnTheFly(data.x, np.random.SeedSequence(5)))
    assert net_a.params.tobytes() == net_b.params.tobytes()       # same seed, same bytes
    plain, _ = train(data)
    assert not np.array_equal(plain.params, net_a.params)          # it trained on the augmented inputs
    again, _ = train(data, augment=None)
    assert again.params.tobytes() == plain.params.tobytes()


def test_a_resumed_augmented_run_ends_with_the_same_bytes(tmp_path):
    """The draws depend on the seed and the epoch only, so a checkpoint needs no augmentation state."""
    data = small_data()
    ref, href = train(data, 4, OnTheFly(data.x, np.random.SeedSequence(5)))
    ck = tmp_path / "c.npz"
    train(data, 2, OnTheFly(data.x, np.random.SeedSequence(5)), checkpoint=ck)
    net, h = train(data, 4, OnTheFly(data.x, np.random.SeedSequence(5)), checkpoint=ck)
    assert net.params.tobytes() == ref.params.tobytes() and h.evaluation_accuracy == href.evaluation_accuracy


def test_families_refuse_augmented_runs():
    from nnsci.engine import sgd_family

    data = small_data()
    runs = []
    for seed in (1, 2):
        net = Network([784, 12, 10], "sigmoid", "softmax", "log_likelihood", "float32")
        st = OurStreams(np.random.SeedSequence(seed))
        net.initialize("default", st.normal)
        runs.append(dict(net=net, training=data, epochs=1, mini_batch_size=10, eta=0.5, streams=st,
                         options=Options(augment=OnTheFly(data.x, np.random.SeedSequence(seed)))))
    with pytest.raises(NnsciError, match="on-the-fly augmentation"):
        sgd_family(runs)
