"""The course's initializations draw the notebooks' numbers (values from the course's own tests).

The expected arrays below are the ones the course's graded test cases print and check
(initialize_parameters_deep_test_1, initialize_parameters_he_test, ...), to 8 digits.
"""
import numpy as np
import pytest

import npdeep
from npdeep.reference import (initialize_parameters, initialize_parameters_deep,
                              initialize_parameters_he, initialize_parameters_random,
                              initialize_parameters_zeros)


def test_two_layer_initialize_parameters_seed_1():
    parameters = initialize_parameters(3, 2, 1, seed=1)
    np.testing.assert_allclose(parameters["W1"], [[0.01624345, -0.00611756, -0.00528172],
                                                  [-0.01072969, 0.00865408, -0.02301539]],
                               atol=5e-9)
    np.testing.assert_allclose(parameters["W2"], [[0.01744812, -0.00761207]], atol=5e-9)
    assert parameters["b1"].shape == (2, 1) and not parameters["b1"].any()
    assert parameters["b2"].shape == (1, 1) and not parameters["b2"].any()


def test_initialize_parameters_deep_step_by_step_seed_3():
    parameters = initialize_parameters_deep([5, 4, 3], seed=3)
    expected_W1 = [[0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388],
                   [-0.00354759, -0.00082741, -0.00627001, -0.00043818, -0.00477218],
                   [-0.01313865, 0.00884622, 0.00881318, 0.01709573, 0.00050034],
                   [-0.00404677, -0.0054536, -0.01546477, 0.00982367, -0.01101068]]
    expected_W2 = [[-0.01185047, -0.0020565, 0.01486148, 0.00236716],
                   [-0.01023785, -0.00712993, 0.00625245, -0.00160513],
                   [-0.00768836, -0.00230031, 0.00745056, 0.01976111]]
    np.testing.assert_allclose(parameters["W1"], expected_W1, atol=5e-9)
    np.testing.assert_allclose(parameters["W2"], expected_W2, atol=5e-9)
    np.testing.assert_array_equal(parameters["b1"], np.zeros((4, 1)))
    np.testing.assert_array_equal(parameters["b2"], np.zeros((3, 1)))
    assert parameters["W1"].dtype == np.float64


def test_week_4_application_is_randn_over_sqrt_n_prev_in_the_course_order():
    # The application notebook: np.random.seed(1), then randn(n[l], n[l-1]) / sqrt(n[l-1]).
    layer_dims = [12, 7, 5, 1]
    parameters = initialize_parameters_deep(layer_dims, seed=1, init="xavier")
    stream = np.random.RandomState(1)
    for l in range(1, len(layer_dims)):
        expected = stream.randn(layer_dims[l], layer_dims[l - 1]) / np.sqrt(layer_dims[l - 1])
        np.testing.assert_array_equal(parameters["W" + str(l)], expected)
    np.testing.assert_allclose(parameters["W1"][0, 0], 1.62434536 / np.sqrt(12), atol=5e-9)


def test_he_seed_3():
    parameters = initialize_parameters_he([3, 1, 2], seed=3)
    np.testing.assert_allclose(parameters["W1"], [[1.46040903, 0.3564088, 0.07878985]], atol=5e-9)
    np.testing.assert_allclose(parameters["W2"], [[-2.63537665], [-0.39228616]], atol=5e-9)
    again = initialize_parameters_he([2, 4, 1], seed=3)
    np.testing.assert_allclose(again["W2"], [[-0.03098412, -0.33744411, -0.92904268,
                                              0.62552248]], atol=5e-9)
    np.testing.assert_array_equal(again["W1"],
                                  initialize_parameters_deep([2, 4, 1], seed=3, init="he")["W1"])


def test_large_random_seed_3():
    parameters = initialize_parameters_random([3, 2, 1], seed=3)
    np.testing.assert_allclose(parameters["W1"], [[17.88628473, 4.36509851, 0.96497468],
                                                  [-18.63492703, -2.77388203, -3.54758979]],
                               atol=5e-8)
    np.testing.assert_allclose(parameters["W2"], [[-0.82741481, -6.27000677]], atol=5e-8)


def test_zeros():
    parameters = initialize_parameters_zeros([3, 2, 1])
    assert set(parameters) == {"W1", "b1", "W2", "b2"}
    assert parameters["W1"].shape == (2, 3) and not any(p.any() for p in parameters.values())
    np.testing.assert_array_equal(initialize_parameters_deep([3, 2, 1], init="zeros")["W1"],
                                  np.zeros((2, 3)))


def test_seeding_leaves_numpys_global_generator_alone():
    np.random.seed(0)
    expected = np.random.RandomState(0).rand()
    initialize_parameters_deep([5, 4, 3], seed=3)
    assert np.random.rand() == expected


def test_unseeded_draws_come_from_npdeeps_generator():
    npdeep.manual_seed(5)
    first = initialize_parameters_deep([4, 3], init="he")
    npdeep.manual_seed(5)
    np.testing.assert_array_equal(first["W1"], initialize_parameters_deep([4, 3], init="he")["W1"])
    he = initialize_parameters_deep([1000, 500], seed=1, init="he")
    assert he["W1"].std() == pytest.approx(np.sqrt(2 / 1000), rel=0.05)


def test_dtype():
    assert initialize_parameters_deep([3, 2], seed=1, dtype=np.float32)["W1"].dtype == np.float32


def test_bad_arguments_name_the_function_and_the_choices():
    with pytest.raises(ValueError, match=r"'init' parameter of initialize_parameters_deep must "
                                         r"be one of \('small', 'xavier', 'he', 'large', "
                                         r"'zeros'\). Got 'glorot' instead."):
        initialize_parameters_deep([2, 1], init="glorot")
    with pytest.raises(ValueError, match=r"initialize_parameters_he: layer_dims must be a list "
                                         r"\[n\[0\], n\[1\], ..., n\[L\]\] of at least two ints "
                                         r">= 1. Got \[3\] instead."):
        initialize_parameters_he([3])
    with pytest.raises(ValueError, match="layer_dims must be"):
        initialize_parameters_deep([3, 0, 1])


def test_course_names_are_importable_from_the_package():
    import npdeep.reference as reference
    for name in reference.__all__:
        assert hasattr(reference, name), name
    from npdeep.reference import L_model_forward, conv_forward, pool_backward
    assert callable(L_model_forward) and callable(conv_forward) and callable(pool_backward)
