"""Neural style transfer (Course 4, week 4): a photograph painted in the style of a painting.

Optimizes the generated image G itself with Adam on J(G) = α·J_content + β·J_style
(npdeep.vision.style), starting from the course's noisy content image, and writes

    <out>/style_transfer.png    content | style | result, side by side
    <out>/history.json          J, J_content and J_style at every iteration

The features come from a network with random filters (npdeep.models.random_features_network;
Ustyuzhaninov et al. 2016 show such networks give usable textures) unless ``--weights`` names
a local file of the public VGG-19 weights (torchvision's state_dict as .safetensors/.npz, or
Keras' block1_conv1... arrays as .npz; see npdeep.models.vgg_weights), which is then used as
the course does (content conv4_2, style conv1_1 ... conv5_1). Nothing is downloaded.

    python examples/style_transfer.py [--content china.jpg] [--style style/starry_night.jpg]
        [--size 192] [--iterations 400] [--weights vgg19.safetensors] [--out runs/style_transfer]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import npdeep  # noqa: E402
from _cnn_common import data_root  # noqa: E402
from npdeep.data.images import load_image, save_image, side_by_side  # noqa: E402
from npdeep.models import load_vgg19_weights, random_features_network, vgg19  # noqa: E402
from npdeep.vision.style import STYLE_LAYERS  # noqa: E402
from npdeep.vision.style_transfer import transfer  # noqa: E402

# The random network (five stages of VGG-19's widths): style from every stage, deeper ones
# weighted more (their Gram matrices are where brush strokes, not only colours, show), and
# content from the fourth stage, whose 8x-pooled features keep the layout but not the pixels.
# beta 100 rather than the course's 40: random filters' style term is weaker next to their
# content term than VGG-19's. Chosen by looking at the pictures of a few runs (192x192, 400
# iterations): with these the sky of the photograph takes the painting's strokes and colours
# while the buildings stay readable.
RANDOM_STYLE_LAYERS = (("conv1_1", 0.1), ("conv2_1", 0.15), ("conv3_1", 0.2), ("conv4_1", 0.25),
                       ("conv5_1", 0.3))
RANDOM_CONTENT_LAYER = "conv4_1"
RANDOM_BETA = 100.0


def monotone_prefix(J: list) -> int:
    """How many iterations from the start J fell at every step (len(J) when it always did)."""
    for i in range(1, len(J)):
        if not J[i] < J[i - 1]:
            return i
    return len(J)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", default="china.jpg",
                        help="content image, a path or a file in the shared images folder")
    parser.add_argument("--style", default=os.path.join("style", "starry_night.jpg"),
                        help="style image, a path or a file in the shared images folder")
    parser.add_argument("--images", default=None, help="the images folder (default: "
                        "$NPDEEP_DATA/images, else ../shared/data/images)")
    parser.add_argument("--size", type=int, default=192, help="n_H = n_W of the result")
    parser.add_argument("--iterations", type=int, default=400)
    parser.add_argument("--learning-rate", type=float, default=0.005)
    parser.add_argument("--alpha", type=float, default=10.0)
    parser.add_argument("--beta", type=float, default=None,
                        help=f"style weight (default: the course's 40 with --weights, "
                             f"{RANDOM_BETA:g} with random filters)")
    parser.add_argument("--weights", default=None,
                        help="a local VGG-19 weights file; default: random filters")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join("runs", "style_transfer"))
    args = parser.parse_args(argv)

    folder = data_root("images", args.images)
    paths = [p if os.path.isfile(p) else os.path.join(folder, p)
             for p in (args.content, args.style)]
    C = load_image(paths[0], size=args.size)
    S = load_image(paths[1], size=args.size)
    npdeep.manual_seed(args.seed)
    if args.weights:
        network = load_vgg19_weights(vgg19(), args.weights)
        content_layer, style_layers = "conv4_2", STYLE_LAYERS
        beta = 40.0 if args.beta is None else args.beta
    else:
        network = random_features_network()
        content_layer, style_layers = RANDOM_CONTENT_LAYER, RANDOM_STYLE_LAYERS
        beta = RANDOM_BETA if args.beta is None else args.beta
    print(f"{network.name}: content {content_layer}, style "
          f"{', '.join(f'{n} ({c:g})' for n, c in style_layers)}; {args.size}x{args.size}, "
          f"{args.iterations} iterations of Adam (learning_rate {args.learning_rate:g}), "
          f"alpha {args.alpha:g}, beta {beta:g}")

    start = time.perf_counter()
    G, history = transfer(C, S, network, content_layer, style_layers,
                          iterations=args.iterations, learning_rate=args.learning_rate,
                          alpha=args.alpha, beta=beta, seed=args.seed,
                          print_every=max(1, args.iterations // 10))
    seconds = time.perf_counter() - start

    os.makedirs(args.out, exist_ok=True)
    picture = os.path.join(args.out, "style_transfer.png")
    save_image(picture, side_by_side([C, S, G]))
    J = history["J"]
    falling = monotone_prefix(J)
    checked = min(100, len(J))
    result = {"network": network.name, "size": list(G.shape), "iterations": len(J),
              "seconds": seconds, "J_first": J[0], "J_last": J[-1],
              "monotone_first_100": falling >= checked, "monotone_prefix": falling,
              "picture": picture, "content": paths[0], "style": paths[1],
              "learning_rate": args.learning_rate, "alpha": args.alpha, "beta": beta}
    with open(os.path.join(args.out, "history.json"), "w") as f:
        json.dump({**result, "history": history}, f, indent=1)
    print(f"J {J[0]:.5g} -> {J[-1]:.5g} in {seconds:.1f} s; J fell at every one of the first "
          f"{checked} iterations: {'yes' if falling >= checked else f'no (rose at {falling})'}")
    print(f"wrote {picture} ({G.shape[0]}x{G.shape[1]})")
    return result


if __name__ == "__main__":
    main()
