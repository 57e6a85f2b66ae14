"""Neural style transfer's costs (Gatys, Ecker & Bethge 2015; Course 4, week 4).

The generated image G is optimized so that, in the activations a[l] of a fixed network,

    J(G) = α · J_content(C, G) + β · J_style(S, G)

- the content cost compares the activations of one (middle) layer:

      J_content = 1/(4·n_H·n_W·n_C) · Σ (a_C − a_G)²

- the style cost compares the Gram matrices ("style matrices") of several layers: over the
  n_C channels unrolled to rows of length n_H·n_W, G = A·Aᵀ (n_C, n_C) holds how strongly
  each pair of channels fires together, whatever the position, and

      J_style[l] = 1/(4·n_C²·(n_H·n_W)²) · Σ (G_S − G_G)²,   J_style = Σ_l λ[l] · J_style[l].

Every function here is composed of npdeep's differentiable ops, so J.backward() reaches the
image itself (transfer() in :mod:`npdeep.vision.style_transfer`, also ``npdeep.vision.transfer``,
optimizes it with Adam).

Unrolling in NHWC. The course's activations are (1, n_H, n_W, n_C); it unrolls them as
``transpose(reshape(a, (n_H·n_W, n_C)))``, an (n_C, n_H·n_W) matrix whose row c is channel
c read in row-major (h, w) order. npdeep's NHWC reshape to (n_H·n_W, n_C) is the same
matrix transposed (a view, no copy), so G = Aᵀ·A on it is the course's A·Aᵀ exactly.
"""
from __future__ import annotations

from npdeep.functional.linalg import matmul
from npdeep.tensor import Tensor, as_tensor
from npdeep.validation import check_float

# The course's choice: five layers, equal weights λ[l] = 0.2 (conv1_1 ... conv5_1 of VGG-19).
STYLE_LAYERS = (("conv1_1", 0.2), ("conv2_1", 0.2), ("conv3_1", 0.2), ("conv4_1", 0.2),
                ("conv5_1", 0.2))


def _activation(a, name: str, where: str) -> Tensor:
    """``a`` as a Tensor of rank 3 (n_H, n_W, n_C) or 4 (m, n_H, n_W, n_C)."""
    a = a if isinstance(a, Tensor) else as_tensor(a)
    if a.ndim not in (3, 4):
        raise ValueError(f"{where}: {name} must be a layer's activation of shape "
                         f"(m, n_H, n_W, n_C) or (n_H, n_W, n_C) (NHWC); got shape "
                         f"{tuple(a.shape)}")
    return a


def _same_shape(a, b, names: tuple, where: str) -> tuple:
    a = _activation(a, names[0], where)
    b = _activation(b, names[1], where)
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"{where}: {names[0]} has shape {tuple(a.shape)} but {names[1]} has "
                         f"shape {tuple(b.shape)}; both must be the same layer's activations "
                         "(m, n_H, n_W, n_C) of images of the same size")
    return a, b


def content_cost(a_C, a_G) -> Tensor:
    """J_content = 1/(4·n_H·n_W·n_C) · Σ (a_C − a_G)², the course's compute_content_cost.

    Args:
        a_C: (m, n_H, n_W, n_C) or (n_H, n_W, n_C): the hidden layer's activations of the
            content image C (the course has m = 1; for m > 1 the sum runs over the examples
            too).
        a_G: the same layer's activations of the generated image G, of a_C's shape.

    Returns:
        A scalar Tensor.

    Raises:
        ValueError: when the shapes differ or are not NHWC activations.

    Example:
        >>> J_content = content_cost(features_C["conv4_2"], features_G["conv4_2"])
    """
    a_C, a_G = _same_shape(a_C, a_G, ("a_C", "a_G"), "content_cost")
    n_H, n_W, n_C = a_C.shape[-3:]
    difference = a_C - a_G
    return (difference * difference).sum() / (4.0 * n_H * n_W * n_C)


def gram_matrix(A) -> Tensor:
    """The Gram ("style") matrix G_A = A·Aᵀ of the unrolled channels.

    G[c, c'] = Σ_{h, w} a[h, w, c] · a[h, w, c']: how much channels c and c' fire together.

    Args:
        A: one of
            - (n_C, n_H·n_W): channels already unrolled into rows, as the course's
              gram_matrix takes them;
            - (n_H, n_W, n_C): one NHWC activation, unrolled here (see the module's note:
              the same matrix as the course's unrolling);
            - (m, n_H, n_W, n_C): a batch, one Gram matrix per example.

    Returns:
        (n_C, n_C) for the first two forms, (m, n_C, n_C) for a batch.

    Raises:
        ValueError: for any other rank.

    Example:
        >>> gram_matrix(np.arange(6.0).reshape(2, 3)).data   # A·Aᵀ of a (2, 3) matrix
        array([[ 5., 14.], [14., 50.]])
    """
    A = A if isinstance(A, Tensor) else as_tensor(A)
    if A.ndim == 2:
        return matmul(A, A.T)  # (n_C, n_C)
    if A.ndim == 3:
        n_H, n_W, n_C = A.shape
        unrolled = A.reshape(n_H * n_W, n_C)  # (n_H·n_W, n_C): the course's matrix, transposed
        return matmul(unrolled.T, unrolled)
    if A.ndim == 4:
        m, n_H, n_W, n_C = A.shape
        unrolled = A.reshape(m, n_H * n_W, n_C)
        return matmul(unrolled.transpose(0, 2, 1), unrolled)  # (m, n_C, n_C)
    raise ValueError(f"gram_matrix: A must be (n_C, n_H·n_W) unrolled channels, an activation "
                     f"(n_H, n_W, n_C) or a batch (m, n_H, n_W, n_C); got shape "
                     f"{tuple(A.shape)}")


def style_cost_from_gram(G_S, a_G) -> Tensor:
    """J_style[l] with the style image's Gram matrix G_S computed beforehand.

    transfer() computes G_S once (the style image does not change) and calls this at every
    iteration; :func:`style_cost_layer` is the same cost from the two activations.

    Args:
        G_S: (n_C, n_C), or (m, n_C, n_C) for a batch a_G: gram_matrix of a_S.
        a_G: (m, n_H, n_W, n_C) or (n_H, n_W, n_C).

    Returns:
        A scalar Tensor.
    """
    a_G = _activation(a_G, "a_G", "style_cost_layer")
    n_H, n_W, n_C = a_G.shape[-3:]
    G_G = gram_matrix(a_G[0] if a_G.ndim == 4 and a_G.shape[0] == 1 else a_G)
    G_S = G_S if isinstance(G_S, Tensor) else as_tensor(G_S)
    if tuple(G_S.shape) != tuple(G_G.shape):
        raise ValueError(f"style_cost_layer: the style Gram matrix has shape "
                         f"{tuple(G_S.shape)} but the generated image's has "
                         f"{tuple(G_G.shape)}; both must come from the same layer")
    difference = G_S - G_G
    return (difference * difference).sum() / (4.0 * n_C ** 2 * (n_H * n_W) ** 2)


def style_cost_layer(a_S, a_G) -> Tensor:
    """J_style[l] = 1/(4·n_C²·(n_H·n_W)²) · Σ (G_S − G_G)², the course's
    compute_layer_style_cost.

    Args:
        a_S: (m, n_H, n_W, n_C) or (n_H, n_W, n_C): layer l's activations of the style image.
        a_G: the same layer's activations of the generated image, of a_S's shape.

    Returns:
        A scalar Tensor (for m > 1, summed over the examples).

    Raises:
        ValueError: when the shapes differ or are not NHWC activations.

    Example:
        >>> J = style_cost_layer(features_S["conv3_1"], features_G["conv3_1"])
    """
    a_S, a_G = _same_shape(a_S, a_G, ("a_S", "a_G"), "style_cost_layer")
    a_S = a_S[0] if a_S.ndim == 4 and a_S.shape[0] == 1 else a_S
    return style_cost_from_gram(gram_matrix(a_S), a_G)


def check_style_layers(style_layers, where: str) -> tuple:
    """``style_layers`` as a tuple of (layer name, weight λ[l] >= 0) pairs, at least one."""
    try:
        pairs = tuple((name, coeff) for name, coeff in style_layers)
    except (TypeError, ValueError):
        pairs = ()
    if not pairs or not all(isinstance(name, str) for name, _ in pairs):
        raise ValueError(f"The 'style_layers' parameter of {where} must be a non-empty list "
                         f"of (layer name, weight) pairs, e.g. [('conv1_1', 0.5), "
                         f"('conv2_1', 0.5)]. Got {style_layers!r} instead.")
    return tuple((name, check_float(coeff, f"style_layers[{name!r}] weight", where, low=0.0))
                 for name, coeff in pairs)


def style_cost(features_S: dict, features_G: dict, style_layers=STYLE_LAYERS) -> Tensor:
    """J_style = Σ_l λ[l] · J_style[l], the course's compute_style_cost.

    Args:
        features_S: {layer name: activation (m, n_H, n_W, n_C)} of the style image, e.g.
            ``extractor.features(S, names)``; every named layer must be there.
        features_G: the same for the generated image.
        style_layers: (layer name, λ[l]) pairs; default the course's STYLE_LAYERS
            (conv1_1 ... conv5_1, 0.2 each).

    Returns:
        A scalar Tensor.

    Raises:
        ValueError: when a layer is missing from either dict, or style_layers is malformed.

    Example:
        >>> J_style = style_cost(features_S, features_G, [("conv1_1", 0.5), ("conv3_1", 0.5)])
    """
    pairs = check_style_layers(style_layers, "style_cost")
    J_style = None
    for name, coeff in pairs:
        for which, features in (("features_S", features_S), ("features_G", features_G)):
            if name not in features:
                raise ValueError(f"style_cost: layer {name!r} of style_layers is not in "
                                 f"{which}; it has {sorted(features)}")
        term = style_cost_layer(features_S[name], features_G[name]) * coeff
        J_style = term if J_style is None else J_style + term
    return J_style


def total_cost(J_content, J_style, alpha: float = 10, beta: float = 40) -> Tensor:
    """J(G) = α · J_content + β · J_style, the course's total_cost (α = 10, β = 40).

    Args:
        J_content: scalar Tensor (or float), from content_cost.
        J_style: scalar Tensor (or float), from style_cost.
        alpha: α >= 0, the weight of the content.
        beta: β >= 0, the weight of the style.

    Returns:
        A scalar Tensor.
    """
    alpha = check_float(alpha, "alpha", "total_cost", low=0.0)
    beta = check_float(beta, "beta", "total_cost", low=0.0)
    J_content = J_content if isinstance(J_content, Tensor) else as_tensor(J_content)
    return J_content * alpha + J_style * beta
