"""Differentiable augmentation of discriminator inputs (DiffAugment)."""

from keras import ops

#: The transforms, in the order they are applied.
TRANSFORMS = ("color", "translation", "cutout")
#: Uniform numbers each transform reads per sample.
PARAMS_PER_TRANSFORM = {"color": 3, "translation": 2, "cutout": 2}
#: Uniform numbers one call reads per sample, whatever the policy (so a
#: policy change does not change which numbers the others read).
PARAMS_PER_CALL = sum(PARAMS_PER_TRANSFORM.values())
_OFFSETS = {"color": 0, "translation": 3, "cutout": 5}


def parse_policy(policy):
    """Checks an augmentation policy and returns it as a tuple.

    Args:
        policy: `None`, `""`, a comma-separated string such as
            `"translation,cutout"`, or a sequence of transform names
            from `TRANSFORMS`.

    Returns:
        A tuple of transform names in `TRANSFORMS` order (empty for no
        augmentation).

    Example:

    ```python
    parse_policy("cutout, translation")  # ("translation", "cutout")
    ```
    """
    if policy is None:
        return ()
    names = policy.split(",") if isinstance(policy, str) else list(policy)
    names = [str(n).strip() for n in names if str(n).strip()]
    unknown = sorted(set(names) - set(TRANSFORMS))
    if unknown:
        raise ValueError(
            f"Unknown augmentation {unknown}. Expected names from "
            f"{TRANSFORMS}, comma-separated. Received: policy={policy!r}"
        )
    return tuple(t for t in TRANSFORMS if t in names)


def _shift_matrix(shift, size):
    # (batch, size, size) with m[b, i, j] = 1 where j = i - shift[b]: a
    # matrix product moves every row (or column) by `shift`, zero-filled.
    rows = ops.arange(size, dtype="float32")[:, None]
    cols = ops.arange(size, dtype="float32")[None, :]
    target = rows[None] - ops.reshape(shift, (-1, 1, 1))
    return ops.cast(ops.equal(cols[None], target), "float32")


def _index(u, count):
    # An integer in [0, count) from a uniform number in [0, 1].
    return ops.minimum(ops.floor(u * count), count - 1.0)


def diff_augment(images, uniforms, policy=TRANSFORMS):
    """Augments a batch of images, differentiably in the images.

    The DiffAugment transforms (Zhao et al. 2020) for images in
    [-1, 1], each sample with its own parameters read from `uniforms`:

    - `"color"`: brightness `x + (u - 0.5)`; saturation (for more than
      one channel) scales the deviation from the channel mean by `2u`;
      contrast scales the deviation from the image mean by `u + 0.5`.
    - `"translation"`: shifts by a whole number of pixels in
      `[-side // 8, side // 8]` along each axis, zero-filled.
    - `"cutout"`: sets a square of half the side to 0, at a position
      drawn over the image (clipped at the border).

    Written in `keras.ops` with matrix products and comparisons only, so
    it runs and differentiates the same way on every backend; the same
    `uniforms` give the same images on TensorFlow, JAX and PyTorch.

    Args:
        images: `(batch, height, width, channels)` tensor.
        uniforms: `(batch, PARAMS_PER_CALL)` tensor of numbers in [0, 1].
        policy: Transform names (see `parse_policy`).

    Returns:
        A tensor of the shape of `images`.

    Example:

    ```python
    u = np.random.default_rng(0).uniform(size=(8, PARAMS_PER_CALL))
    augmented = diff_augment(images[:8], u, "translation,cutout")
    ```

    Reference:
        - [Zhao et al., "Differentiable Augmentation for Data-Efficient
          GAN Training", 2020](https://arxiv.org/abs/2006.10738)
    """
    policy = parse_policy(policy)
    x = ops.convert_to_tensor(images)
    u = ops.cast(uniforms, x.dtype)
    _, height, width, channels = ops.shape(x)

    def param(name, k):
        i = _OFFSETS[name] + k
        return ops.reshape(u[:, i], (-1, 1, 1, 1))

    if "color" in policy:
        x = x + (param("color", 0) - 0.5)
        if channels > 1:
            mean = ops.mean(x, axis=-1, keepdims=True)
            x = (x - mean) * (2.0 * param("color", 1)) + mean
        mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
        x = (x - mean) * (param("color", 2) + 0.5) + mean
    if "translation" in policy:
        shifts = []
        for k, size in enumerate((height, width)):
            reach = size // 8
            shifts.append(
                _index(u[:, _OFFSETS["translation"] + k], 2 * reach + 1) - reach
            )
        x = ops.einsum("bij,bjwc->biwc", _shift_matrix(shifts[0], height), x)
        x = ops.einsum("bij,bhjc->bhic", _shift_matrix(shifts[1], width), x)
    if "cutout" in policy:
        masks = []
        for k, size in enumerate((height, width)):
            half = size // 2
            start = _index(u[:, _OFFSETS["cutout"] + k], size + 1) - half // 2
            pos = ops.arange(size, dtype=x.dtype)[None, :]
            start = ops.reshape(start, (-1, 1))
            inside = ops.logical_and(
                ops.greater_equal(pos, start), ops.less(pos, start + half)
            )
            masks.append(ops.cast(inside, x.dtype))
        hole = masks[0][:, :, None, None] * masks[1][:, None, :, None]
        x = x * (1.0 - hole)
    return x
