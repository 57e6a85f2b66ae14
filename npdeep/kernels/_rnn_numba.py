"""The numba loops behind npdeep.kernels.recurrent (imported only when the compiled path runs).

Each kernel does ONE time step's elementwise work for a block of rows (examples) of a fused
LSTM or GRU, the matrix products staying in BLAS in the caller. All arrays are C-contiguous
2-D blocks (rows, columns) of the caller's buffers. ``nogil`` lets the caller's threads run
blocks of the batch at once; there is no ``parallel=True`` (its threads would fight BLAS's
and npdeep's for the cores). ``cache=True`` keeps the compiled code on disk between runs.

tanh: numba's np.tanh is a scalar libm call (about 10 ns a number, against 0.2 ns for NumPy's
SIMD loop), so float32 gates use ``tanh_f32``, a rational approximation the compiler
vectorizes; float64 keeps the exact np.tanh (gradient checks stay exact). σ(z) is
(1 + tanh(z/2))/2 with the halving folded into the weights, as in the NumPy path.

NOTE: ``masked`` selects the padded-batch formulas (the state carried where M = 0); ``M`` is
then (rows,) and otherwise ignored (pass any 1-element array). The unmasked formulas are
the NumPy path's own (same operations in the same order), so in float64 the two paths
agree to the last bit or so (libm's tanh and NumPy's may differ in the last ulp).
"""
import numba
import numpy as np

# tanh(x) ≈ x·P(x²)/Q(x²) on |x| ≤ CLIP (beyond it tanh rounds to ±1 in float32), fitted
# for this module by iteratively reweighted least squares on [0, CLIP]. Max absolute error,
# evaluated in float32 over [−10, 10] on 2·10⁶ points: 3.2e-7 (np.tanh's own float32
# error there: 6e-8); |result| ≤ 1 − 2⁻²⁴ < 1, so σ stays in [0, 1] and 1 − c̃² ≥ 0.
CLIP = 7.90531110763549805
P0, P1, P2, P3, P4, P5 = (0.9999999231150175, 0.12978218551552073, 0.002984964771084578,
                          9.874588429695429e-06, -1.4711127169696615e-08,
                          2.359012217258093e-11)
Q1, Q2, Q3 = 0.4631152007000092, 0.024023749509004357, 0.00023710572316212864


@numba.njit(nogil=True, cache=True, inline="always", error_model="numpy")
def tanh_f32(z):
    """The rational tanh of a float32 (see CLIP above for its error)."""
    clip = np.float32(CLIP)
    x = min(max(z, -clip), clip)
    s = x * x
    p = np.float32(P5) * s + np.float32(P4)
    p = p * s + np.float32(P3)
    p = p * s + np.float32(P2)
    p = p * s + np.float32(P1)
    p = p * s + np.float32(P0)
    q = np.float32(Q3) * s + np.float32(Q2)
    q = q * s + np.float32(Q1)
    q = q * s + np.float32(1.0)
    return x * p / q


@numba.njit(nogil=True, cache=True, error_model="numpy")
def gates_tanh(g, za, n_sig, approx):
    """g = tanh(g + za) over every column, then (1 + g)/2 on the first n_sig (σ gates)."""
    rows, cols = g.shape
    half = g.dtype.type(0.5)
    for i in range(rows):
        gi, zi = g[i], za[i]
        if approx:
            for j in range(cols):
                gi[j] = tanh_f32(gi[j] + zi[j])
        else:
            for j in range(cols):
                gi[j] = np.tanh(gi[j] + zi[j])
        for j in range(n_sig):
            gi[j] = gi[j] * half + half


@numba.njit(nogil=True, cache=True, error_model="numpy")
def tanh_rows(x, out, approx):
    rows, cols = x.shape
    for i in range(rows):
        xi, oi = x[i], out[i]
        if approx:
            for j in range(cols):
                oi[j] = tanh_f32(xi[j])
        else:
            for j in range(cols):
                oi[j] = np.tanh(xi[j])


@numba.njit(nogil=True, cache=True, error_model="numpy")
def lstm_forward_step(g, za, c_prev, a_prev, c, tanh_c, a, M, masked, approx):
    """One LSTM step: g (rows, 4·n_a) holds x·Wxᵀ + b, za = a⟨t−1⟩·Waᵀ; g becomes
    [Γf, Γu, Γo, c̃]; c = Γf∗c⟨t−1⟩ + Γu∗c̃, tanh_c = tanh(c), a = Γo∗tanh_c (the state
    carried where M = 0 when masked). NumPy twin: LSTMSequence.forward's time loop."""
    rows, n_a = c.shape
    gates_tanh(g, za, 3 * n_a, approx)
    for i in range(rows):
        gi, cp, ci = g[i], c_prev[i], c[i]
        for j in range(n_a):
            ci[j] = gi[j] * cp[j] + gi[n_a + j] * gi[3 * n_a + j]
    tanh_rows(c, tanh_c, approx)
    for i in range(rows):
        gi, ti, ai = g[i], tanh_c[i], a[i]
        for j in range(n_a):
            ai[j] = gi[2 * n_a + j] * ti[j]
    if masked:
        for i in range(rows):
            mi = M[i]
            for j in range(n_a):
                c[i, j] = (c[i, j] - c_prev[i, j]) * mi + c_prev[i, j]
                a[i, j] = (a[i, j] - a_prev[i, j]) * mi + a_prev[i, j]


@numba.njit(nogil=True, cache=True, error_model="numpy")
def lstm_backward_step(g, dg, tanh_c, a, c_prev, da, dy, dc, M, masked):
    """One LSTM step back: from da⟨t⟩, dy⟨t⟩ and dc⟨t⟩ (overwritten with dc⟨t−1⟩), the gates'
    dZ into dg (rows, 4·n_a); the caller then takes
    da⟨t−1⟩ = dg·Wa. NumPy twin: LSTMSequence.backward's time loop."""
    rows, n_a = dc.shape
    one = g.dtype.type(1.0)
    for i in range(rows):
        gi, dgi, ti, ai, cpi = g[i], dg[i], tanh_c[i], a[i], c_prev[i]
        dai, dyi, dci = da[i], dy[i], dc[i]
        # The two cases in separate loops: a branch inside one keeps it from vectorizing.
        if masked:
            mi = M[i]
            for j in range(n_a):
                f, u, o, cc = gi[j], gi[n_a + j], gi[2 * n_a + j], gi[3 * n_a + j]
                d_a = (dai[j] + dyi[j]) * mi
                d_c = dci[j] * mi + (o - ai[j] * ti[j]) * d_a
                dgi[j] = (d_c * cpi[j]) * (f - f * f)
                dgi[n_a + j] = (d_c * cc) * (u - u * u)
                dgi[2 * n_a + j] = (d_a * ti[j]) * (o - o * o)
                dgi[3 * n_a + j] = (d_c * u) * (one - cc * cc)
                dci[j] = dci[j] * (one - mi) + d_c * f
        else:
            for j in range(n_a):
                f, u, o, cc = gi[j], gi[n_a + j], gi[2 * n_a + j], gi[3 * n_a + j]
                d_a = dai[j] + dyi[j]
                # dc_new = dc + da_new·Γo·(1 − tanh²c), Γo·(1 − tanh²c) = Γo − a⟨t⟩·tanh c
                d_c = (o - ai[j] * ti[j]) * d_a + dci[j]
                dgi[j] = (d_c * cpi[j]) * (f - f * f)
                dgi[n_a + j] = (d_c * cc) * (u - u * u)
                dgi[2 * n_a + j] = (d_a * ti[j]) * (o - o * o)
                dgi[3 * n_a + j] = (d_c * u) * (one - cc * cc)
                dci[j] = d_c * f


@numba.njit(nogil=True, cache=True, error_model="numpy")
def gru_forward_step(g, za, bc_rec, c_prev, h, c, M, masked, approx):
    """One GRU step (reset_after): g (rows, 3·n_a) holds x·Wxᵀ + b, za = c⟨t−1⟩·Waᵀ; g
    becomes [Γu, Γr, c̃], h = Wca·c⟨t−1⟩ + bc_rec, c = c⟨t−1⟩ + Γu∗(c̃ − c⟨t−1⟩) (·M when
    masked). NumPy twin: GRUSequence.forward's time loop (reset_after)."""
    rows, n_a = c.shape
    n2 = 2 * n_a
    half = g.dtype.type(0.5)
    for i in range(rows):
        gi, zi, hi = g[i], za[i], h[i]
        if approx:
            for j in range(n2):
                gi[j] = tanh_f32(gi[j] + zi[j])
        else:
            for j in range(n2):
                gi[j] = np.tanh(gi[j] + zi[j])
        for j in range(n2):
            gi[j] = gi[j] * half + half
        for j in range(n_a):
            hi[j] = zi[n2 + j] + bc_rec[j]
            gi[n2 + j] = gi[n2 + j] + gi[n_a + j] * hi[j]
        if approx:
            for j in range(n_a):
                gi[n2 + j] = tanh_f32(gi[n2 + j])
        else:
            for j in range(n_a):
                gi[n2 + j] = np.tanh(gi[n2 + j])
        cp, ci = c_prev[i], c[i]
        if masked:
            mi = M[i]
            for j in range(n_a):
                ci[j] = (gi[n2 + j] - cp[j]) * gi[j] * mi + cp[j]
        else:
            for j in range(n_a):
                ci[j] = (gi[n2 + j] - cp[j]) * gi[j] + cp[j]


@numba.njit(nogil=True, cache=True, error_model="numpy")
def gru_backward_step(g, h, c_prev, da, dy, dza, dzc, da_new, M, masked):
    """One GRU step back (reset_after): from da⟨t⟩ and dy⟨t⟩, dza (rows, 3·n_a) = [dZu, dZr,
    dh], dzc = dZc, and da_new = the part of da⟨t−1⟩ through (1 − Γu); the caller adds
    dza·Wa. NumPy twin: GRUSequence.backward's time loop (reset_after)."""
    rows, n_a = da_new.shape
    n2 = 2 * n_a
    one = g.dtype.type(1.0)
    for i in range(rows):
        gi, hi, cpi, dai, dyi = g[i], h[i], c_prev[i], da[i], dy[i]
        zi, dci, dni = dza[i], dzc[i], da_new[i]
        mi = M[i] if masked else one   # d_a·1 is d_a exactly: one loop for both cases
        for j in range(n_a):
            u, r, cc = gi[j], gi[n_a + j], gi[n2 + j]
            d_a = (dai[j] + dyi[j]) * mi
            d_zc = (d_a * u) * (one - cc * cc)
            dci[j] = d_zc
            dni[j] = (one - u) * d_a
            zi[n2 + j] = d_zc * r
            zi[j] = ((cc - cpi[j]) * d_a) * (u - u * u)
            zi[n_a + j] = (d_zc * hi[j]) * (r - r * r)
