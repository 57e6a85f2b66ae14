"""Layers that hold Parameters and call npdeep.functional."""
from npdeep.nn.activation import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from npdeep.nn.container import Flatten, Sequential
from npdeep.nn.linear import Linear
from npdeep.nn.module import Module, Parameter
