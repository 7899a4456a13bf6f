"""Named AEGAN configurations: the paper's and the light default."""

import keras

#: Each preset: constructor arguments, compile arguments (optimizers as
#: factories, so every call gets fresh instances) and, where the preset
#: is tied to one resolution, the image size it is for.
AEGAN_PRESETS = {
    "paper": {
        "description": (
            "The AEGAN paper's configuration: 64x64 conv networks, "
            "16-d code, loss weights 10/5/1/1 (image and latent "
            "reconstruction, image and latent adversarial), label "
            "smoothing 0.95/0.05, Adam(2e-4, beta_1=0.5) for both "
            "phases with gradients clipped to norm 1."
        ),
        "model": {
            "latent_dim": 16,
            "width": 64,
            "real_label": 0.95,
            "fake_label": 0.05,
        },
        "compile": lambda: {
            "generator_optimizer": keras.optimizers.Adam(
                2e-4, beta_1=0.5, clipnorm=1.0
            ),
            "discriminator_optimizer": keras.optimizers.Adam(
                2e-4, beta_1=0.5, clipnorm=1.0
            ),
            "loss_weights": {
                "reconstruction_x": 10.0,
                "reconstruction_z": 5.0,
                "adversarial_x": 1.0,
                "adversarial_z": 1.0,
            },
        },
        "image_size": 64,
    },
    "light": {
        "description": (
            "The library default (what AEGAN() builds): networks sized "
            "from the data (32-channel conv nets for images, 128-unit "
            "MLPs for vectors), the paper's loss weights and label "
            "smoothing, Adam(4e-4) for G/E and Adam(2e-4) for the "
            "discriminators, no clipping. Trains on a laptop CPU."
        ),
        "model": {},
        "compile": dict,
        "image_size": None,
    },
}


def aegan_from_preset(cls, preset, **kwargs):
    """Builds (and compiles) an AEGAN from a named preset.

    Args:
        cls: `AEGAN` or a subclass.
        preset: A key of `AEGAN_PRESETS`: `"paper"` or `"light"`.
        **kwargs: Constructor arguments overriding the preset's (e.g.
            `seed`, `ema_decay`).

    Returns:
        A compiled, unbuilt model; the networks are built on `fit()`.
    """
    if preset not in AEGAN_PRESETS:
        raise ValueError(
            f"Unknown AEGAN preset. Expected one of {sorted(AEGAN_PRESETS)}."
            f" Received: preset={preset!r}"
        )
    spec = AEGAN_PRESETS[preset]
    arguments = dict(spec["model"])
    arguments.update(kwargs)
    model = cls(preset=preset, **arguments)
    compile_arguments = spec["compile"]()
    if compile_arguments:
        model.compile(**compile_arguments)
    return model


def check_preset_shape(name, data_shape):
    """Refuses data a resolution-specific preset was not made for."""
    size = AEGAN_PRESETS[name]["image_size"] if name else None
    if size is None:
        return
    if len(data_shape) != 3 or tuple(data_shape[:2]) != (size, size):
        raise ValueError(
            f"The {name!r} AEGAN preset is for {size}x{size} images "
            f"(shape ({size}, {size}, channels)). Received data with "
            f"sample shape {tuple(data_shape)}. Resize the images, or use "
            "AEGAN() / the 'light' preset."
        )
