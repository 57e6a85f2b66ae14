"""Layers that hold Parameters and call npdeep.functional."""
from npdeep.nn.activation import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from npdeep.nn.attention import Attention
from npdeep.nn.blocks import BasicBlock, InceptionModule, PaddedMaxPool2d, ResidualBlock
from npdeep.nn.container import Flatten, Sequential
from npdeep.nn.conv import Conv2d
from npdeep.nn.dropout import Dropout
from npdeep.nn.embedding import Embedding
from npdeep.nn.linear import Linear
from npdeep.nn.module import Module, Parameter
from npdeep.nn.normalization import BatchNorm1d, BatchNorm2d
from npdeep.nn.pooling import AvgPool2d, GlobalAvgPool2d, MaxPool2d
from npdeep.nn.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell, detach_state
from npdeep.nn.resize import Upsample2d, ZeroPad2d
from npdeep.nn.torch_interop import from_torch_state_dict, to_torch_state_dict
