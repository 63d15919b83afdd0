"""Style features of an image output: how it looks, apart from what it shows.

Measured once, when an output is stored (:mod:`generation.style`), from its pixels alone with
numpy and Pillow; the ratings app fits how much each sways voters
(:mod:`ratings.engine.style`). Every feature is a plain number of the whole picture:

``colourfulness``  Hasler and Süsstrunk (2003): ``sigma_rgyb + 0.3 mu_rgyb`` over the
                   opponent channels ``rg = R - G`` and ``yb = (R + G) / 2 - B``, on the
                   0-255 scale; 0 for any grey picture, about 100 for a very colourful one.
``saturation``     mean HSV saturation ``(max - min) / max`` per pixel, 0-1.
``contrast``       RMS contrast: the standard deviation of the luma (ITU-R 601), 0-1.
``brightness``     mean luma, 0-1.
``sharpness``      variance of the 4-neighbour Laplacian of the luma (0-255 scale); a blurred
                   copy has less.
``detail``         bytes per pixel of one fixed lossless encoding of the luma (zlib, level 1,
                   of the 8-bit luma rows): busy pictures compress worse.
``preservation``   edits only: the mean absolute difference to the source image per RGB
                   channel, 0-1, over the pixels the edit's mask keeps (its opaque part), or
                   over the whole picture when the prompt has no mask. Lower means more of
                   the source was kept.

Padding added to fit the canonical output box is part of the picture and is measured too: both
sides of a battle are in the same box.
"""

from __future__ import annotations

import io
import math
import zlib

import numpy as np
from PIL import Image

FEATURES = ("colourfulness", "saturation", "contrast", "brightness", "sharpness", "detail")
EDIT_FEATURES = (*FEATURES, "preservation")
# What each feature means, for pages and documents.
LABELS = {
    "colourfulness": "Colourfulness",
    "saturation": "Saturation",
    "contrast": "Contrast",
    "brightness": "Brightness",
    "sharpness": "Sharpness",
    "detail": "Detail",
    "preservation": "Change outside the edit",
}
DETAIL_LEVEL = 1  # zlib level of the detail encoding: fixed, so the numbers stay comparable


def image_features(pixels: Image.Image) -> dict[str, float]:
    """The six picture features of ``pixels`` (any mode; alpha is dropped)."""
    rgb = pixels.convert("RGB")
    # One contiguous array per channel: reductions across an interleaved last axis are slow.
    red, green, blue = (np.asarray(channel) for channel in rgb.split())
    luma = np.asarray(rgb.convert("L"))
    grey = luma.astype(np.float32)
    return {
        "colourfulness": colourfulness(red, green, blue),
        "saturation": mean_saturation(red, green, blue),
        "contrast": float(grey.std() / 255.0),
        "brightness": float(grey.mean() / 255.0),
        "sharpness": laplacian_variance(grey),
        "detail": len(zlib.compress(luma.tobytes(), DETAIL_LEVEL)) / luma.size,
    }


def colourfulness(red: np.ndarray, green: np.ndarray, blue: np.ndarray) -> float:
    """Hasler-Süsstrunk colourfulness of three uint8 channels."""
    r, g, b = (channel.astype(np.float32) for channel in (red, green, blue))
    rg = r - g
    yb = 0.5 * (r + g) - b
    spread = math.sqrt(float(rg.var()) + float(yb.var()))
    centre = math.sqrt(float(rg.mean()) ** 2 + float(yb.mean()) ** 2)
    return spread + 0.3 * centre


def mean_saturation(red: np.ndarray, green: np.ndarray, blue: np.ndarray) -> float:
    """Mean HSV saturation of three uint8 channels, 0-1 (black counts as 0)."""
    high = np.maximum(np.maximum(red, green), blue)
    low = np.minimum(np.minimum(red, green), blue)
    # Where the maximum is 0 the range is 0 too, so dividing by at least 1 gives 0 there.
    span = (high - low).astype(np.float32)
    return float((span / np.maximum(high, 1).astype(np.float32)).mean())


def laplacian_variance(grey: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian over the interior of a 2-D float array."""
    if min(grey.shape) < 3:
        return 0.0
    centre = grey[1:-1, 1:-1]
    laplacian = grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4 * centre
    return float(laplacian.var())


def preservation(pixels: Image.Image, source: Image.Image, mask: Image.Image | None) -> float:
    """Mean absolute RGB difference to ``source`` (0-1) where ``mask`` keeps the source.

    The mask follows the edit prompt's convention (:mod:`generation.sources`): transparent
    pixels may change, opaque ones are to be kept. Without a mask, or with one that keeps
    nothing, the whole picture is compared. Pictures of different sizes are compared at the
    source's size.
    """
    if pixels.size != source.size:
        pixels = pixels.resize(source.size, Image.Resampling.BILINEAR)
    output = np.asarray(pixels.convert("RGB"), dtype=np.int16)
    original = np.asarray(source.convert("RGB"), dtype=np.int16)
    difference = np.abs(output - original).mean(axis=2)
    if mask is not None and mask.size == source.size:
        kept = np.asarray(mask.convert("RGBA").getchannel("A")) >= 128
        if kept.any():
            return float(difference[kept].mean() / 255.0)
    return float(difference.mean() / 255.0)


def decode(content: bytes) -> Image.Image:
    """The pixels of stored image bytes."""
    with Image.open(io.BytesIO(content)) as image:
        image.load()
        return image
