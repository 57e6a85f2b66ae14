"""Data: mini-batches, train/dev/test splits, normalization, and real data sets."""
from npdeep.data.datasets import (FASHION_MNIST_CLASSES, MNIST_CLASSES, load_digits,
                                  load_fashion_mnist, load_mnist)
from npdeep.data.faces import downsample, load_orl_faces, split_by_identity
from npdeep.data.minibatch import ArrayDataset, DataLoader, random_mini_batches
from npdeep.data.planar import load_moons, load_planar
from npdeep.data.preprocessing import Standardizer, from_one_hot, one_hot
from npdeep.data.split import Splits, split
from npdeep.data import transforms  # noqa: F401  (npdeep.data.transforms.Pad ...)
