"""Style features of an image output: how it looks, apart from what it shows.

Plain numbers of the whole picture from its pixels alone (listed in docs/ratings.md and on
``OutputStyle``); the ratings app fits how much each sways voters. Padding added to fit the
canonical box is measured too: both sides of a battle are in the same box.
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
LABELS = {name: name.capitalize() for name in FEATURES}
LABELS["preservation"] = "Change outside the edit"
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
    """Mean absolute RGB difference to ``source`` (0-1) where ``mask`` is opaque (keeps the
    source); over the whole picture without a mask or with one that keeps nothing."""
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
