"""The model zoo: builders that return ready-to-train npdeep.nn models."""
from npdeep.models.alexnet import alexnet
from npdeep.models.char_rnn import char_rnn
from npdeep.models.emojify import emojify_v1, emojify_v2
from npdeep.models.inception import googlenet_small
from npdeep.models.lenet5 import lenet5, lenet5_resized
from npdeep.models.mlp import mlp
from npdeep.models.random_features import random_features_network
from npdeep.models.resnet import resnet50, resnet_small
from npdeep.models.seq2seq import AttentionSeq2Seq, seq2seq
from npdeep.models.transfer import precompute_features, replace_head
from npdeep.models.vgg import FeatureNetwork, vgg16, vgg19
from npdeep.models.vgg_weights import load_vgg19_weights
from npdeep.models.yolo import yolo_small
