"""transfer(): neural style transfer's optimization loop, on the generated image itself.

The course's model_nn: the network's weights stay fixed and the pixels of G are the
parameters. Each iteration runs G through the network, computes
J(G) = α·J_content + β·J_style (npdeep.vision.style), backpropagates to G and takes one Adam
step on it, then clips G back to the valid range [0, 1].
"""
from __future__ import annotations

import warnings

import numpy as np

from npdeep import backend
from npdeep.autograd import no_grad
from npdeep.data.images import check_image, resize_image
from npdeep.nn.module import Parameter
from npdeep.optim import Adam
from npdeep.validation import check_float, check_int, check_learning_rate
from npdeep.vision.style import (check_style_layers, content_cost, gram_matrix,
                                 style_cost_from_gram, total_cost)

# The course's noise image: uniform in (−20, 20) on the 0-255 scale of its mean-subtracted
# VGG input, here in [0, 1] units.
NOISE_AMPLITUDE = 20.0 / 255.0


def generate_noise_image(content: np.ndarray, noise_ratio: float = 0.6, mean=None,
                         rng=None) -> np.ndarray:
    """The course's initial G: noise_ratio · noise + (1 − noise_ratio) · content.

    The course mixes the two in its network's input space, where pixels are centred on the
    mean pixel μ (its images are mean-subtracted); in [0, 1] units that is

        G = μ + (1 − noise_ratio)·(C − μ) + noise_ratio·N,   N ~ U(−20/255, 20/255),

    the content at (1 − noise_ratio) of its contrast around μ, plus a little noise, so G
    starts close enough to C for the content to be kept and random enough to be reshaped.
    The result is clipped to [0, 1].

    Args:
        content: (n_H, n_W, n_C) in [0, 1].
        noise_ratio: in [0, 1]; 0 starts from the content image itself.
        mean: (n_C,) the mean pixel μ (the feature network's input_mean); default 0.5.
        rng: a numpy Generator; default npdeep's (npdeep.manual_seed repeats it).

    Returns:
        (n_H, n_W, n_C), content's dtype.
    """
    noise_ratio = check_float(noise_ratio, "noise_ratio", "generate_noise_image", 0.0, 1.0)
    rng = backend.rng() if rng is None else rng
    mu = np.full(content.shape[-1], 0.5) if mean is None else np.asarray(mean, np.float64)
    noise = rng.uniform(-NOISE_AMPLITUDE, NOISE_AMPLITUDE, content.shape)
    G = mu + (1.0 - noise_ratio) * (content - mu) + noise_ratio * noise
    return np.clip(G, 0.0, 1.0).astype(content.dtype)


def _check_extractor(extractor, content_layer, style_layers) -> tuple:
    if not hasattr(extractor, "features"):
        raise TypeError(f"transfer: feature_extractor must have a features(X, layers) method "
                        f"(npdeep.models.vgg19(), random_features_network()); got "
                        f"{type(extractor).__name__}")
    if not isinstance(content_layer, str):
        raise ValueError(f"The 'content_layer' parameter of transfer must be a layer name, "
                         f"e.g. 'conv4_2'. Got {content_layer!r} instead.")
    pairs = check_style_layers(style_layers, "transfer")
    if hasattr(extractor, "check_layers"):
        extractor.check_layers([content_layer] + [name for name, _ in pairs], "transfer")
    return pairs


def style_targets(feature_extractor, C: np.ndarray, S: np.ndarray, content_layer: str,
                  style_layers) -> tuple:
    """What G is compared with: a_C, the content layer's activation of C, and the Gram
    matrix of each style layer's activation of S (computed once: C and S do not change).

    Args:
        C, S: (n_H, n_W, n_C) images in [0, 1].

    Returns:
        (a_C (1, n_H[l], n_W[l], n_C[l]) Tensor, {layer name: G_S (n_C[l], n_C[l]) Tensor}).
    """
    names = [name for name, _ in style_layers]
    with no_grad():
        a_C = feature_extractor.features(C[None], [content_layer])[content_layer]
        features_S = feature_extractor.features(S[None], names)
        grams_S = {name: gram_matrix(features_S[name][0]) for name in names}
    return a_C, grams_S


def generated_cost(feature_extractor, G, a_C, grams_S: dict, content_layer: str,
                   style_layers, alpha: float = 10, beta: float = 40) -> tuple:
    """(J, J_content, J_style) of the generated images G (1, n_H, n_W, n_C): one forward
    pass of transfer's loop, ready for J.backward() to reach G.

    a_C and grams_S come from :func:`style_targets`; style_layers are (name, λ[l]) pairs.
    """
    names = tuple(dict.fromkeys([content_layer] + [name for name, _ in style_layers]))
    features_G = feature_extractor.features(G, names)
    J_content = content_cost(a_C, features_G[content_layer])
    J_style = None
    for name, coeff in style_layers:
        term = style_cost_from_gram(grams_S[name], features_G[name]) * coeff
        J_style = term if J_style is None else J_style + term
    return total_cost(J_content, J_style, alpha, beta), J_content, J_style


def transfer(content, style, feature_extractor, content_layer: str, style_layers,
             iterations: int = 200, learning_rate: float = 0.01, alpha: float = 10,
             beta: float = 40, seed: int | None = None, noise_ratio: float = 0.6,
             callback=None, print_every: int = 0) -> tuple:
    """Generate an image with the content of ``content`` painted in the style of ``style``.

    minimize J(G) = α·J_content(C, G) + β·Σ_l λ[l]·J_style[l](S, G) over the pixels of G with
    Adam, starting from the course's noisy content image (generate_noise_image), clipping G
    to [0, 1] after every step. The network's parameters are not trained (their gradients
    are switched off during the loop and restored after it).

    Args:
        content: the content image C, (n_H, n_W, 3) RGB in [0, 1] (uint8 0..255 is accepted;
            a batch of one (1, n_H, n_W, 3) too).
        style: the style image S, likewise; another size than C's is resized to C's (with
            a warning), as the course does when it loads both at one size.
        feature_extractor: a network with ``features(X, layers) -> {name: activation}``, e.g.
            npdeep.models.vgg19() with loaded weights, or random_features_network().
        content_layer: the layer of J_content (the course: "conv4_2").
        style_layers: (layer name, λ[l]) pairs of J_style (the course: STYLE_LAYERS).
        iterations: Adam steps.
        learning_rate: Adam's α, in [0, 1] pixel units (0.01 moves a pixel by at most
            about 1% of its range per step).
        alpha: α, the content weight.
        beta: β, the style weight.
        seed: seeds the noise of the initial image (None: npdeep's RNG).
        noise_ratio: how much noise the initial image has (the course: 0.6).
        callback: called as callback(i, record, G) after iteration i, with record the
            {"J", "J_content", "J_style"} of that iteration and G the current image
            (n_H, n_W, 3); returning True stops the loop early.
        print_every: print J every that many iterations (0: never).

    Returns:
        (image, history): the generated image (n_H, n_W, 3) float in [0, 1], and
        {"J": [...], "J_content": [...], "J_style": [...]}: the costs of the image at the
        start of each iteration (entry 0 is the initial image's).

    Raises:
        ValueError: for images that are not (n_H, n_W, 3) HWC in [0, 1] (a channels-first
            array is named as such), a channel count the network does not take, an unknown
            layer name, or an out-of-range hyperparameter.
        TypeError: when feature_extractor has no features method.

    Example:
        >>> net = random_features_network()
        >>> G, history = transfer(C, S, net, "conv4_1", [("conv1_1", 0.5), ("conv2_1", 0.5)])
    """
    where = "transfer"
    pairs = _check_extractor(feature_extractor, content_layer, style_layers)
    n_C = getattr(feature_extractor, "n_C_prev", 3)
    C = check_image(content, f"{where} (content)", n_C)
    S = check_image(style, f"{where} (style)", n_C)
    iterations = check_int(iterations, "iterations", where)
    learning_rate = check_learning_rate(learning_rate, where)
    print_every = check_int(print_every, "print_every", where, low=0)
    dtype = backend.get_default_dtype()
    C, S = C.astype(dtype), S.astype(dtype)
    if S.shape[:2] != C.shape[:2]:
        warnings.warn(f"transfer: the style image {S.shape[:2]} is resized to the content "
                      f"image's size {C.shape[:2]}", UserWarning, stacklevel=2)
        S = np.clip(resize_image(S, C.shape[:2]), 0.0, 1.0).astype(dtype)
    rng = np.random.default_rng(seed) if seed is not None else None
    G0 = generate_noise_image(C, noise_ratio, getattr(feature_extractor, "input_mean", None),
                              rng)

    parameters = list(feature_extractor.parameters()) if hasattr(
        feature_extractor, "parameters") else []
    saved = [p.requires_grad for p in parameters]
    for p in parameters:  # NOTE: no dW products: only the image's gradient is needed
        p.requires_grad = False
    try:
        a_C, grams_S = style_targets(feature_extractor, C, S, content_layer, pairs)
        G = Parameter(G0[None])  # (1, n_H, n_W, n_C): the image is the parameter
        optimizer = Adam([G], learning_rate=learning_rate)
        history = {"J": [], "J_content": [], "J_style": []}
        for i in range(iterations):
            optimizer.zero_grad()
            J, J_content, J_style = generated_cost(feature_extractor, G, a_C, grams_S,
                                                   content_layer, pairs, alpha, beta)
            J.backward()
            optimizer.step()
            np.clip(G.data, 0.0, 1.0, out=G.data)  # keep G a valid image
            record = {"J": float(J.data), "J_content": float(J_content.data),
                      "J_style": float(J_style.data)}
            for key, value in record.items():
                history[key].append(value)
            if not np.isfinite(record["J"]):
                raise FloatingPointError(f"transfer: J became {record['J']} at iteration {i}; "
                                         "lower the learning_rate")
            if print_every and (i % print_every == 0 or i == iterations - 1):
                print(f"iteration {i:4d}: J = {record['J']:.6g} (content "
                      f"{record['J_content']:.4g}, style {record['J_style']:.4g})")
            if callback is not None and callback(i, record, G.data[0]):
                break
    finally:
        for p, requires_grad in zip(parameters, saved):
            p.requires_grad = requires_grad
    return G.data[0].copy(), history
