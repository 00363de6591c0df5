// Test hooks, in the submodule deepnmf._core.testing: one row of the row-sum solve, the transposed β = 1 row-sum sweep, one coupled W row, single ADMM steps, and the sparse kernels on raw index arrays checked on every call. Not used by the estimators.
#include "deepnmf/beta/coupled_w.hpp"
#include "deepnmf/beta/rowsum.hpp"
#include "util.hpp"

namespace deepnmf {
namespace {

template <class T>
void register_multiplier_t(py::module_& m) {
  m.def(
      "solve_row_multiplier",
      [](CVecRef<T> h_tilde, CVecRef<T> p, CVecRef<T> q, double beta) {
        require_supported_beta<T>(Beta(beta), "solve_row_multiplier");
        const Index n = h_tilde.size();
        require(p.size() == n && q.size() == n, "solve_row_multiplier: lengths differ");
        for (const T* a : {h_tilde.data(), p.data(), q.data()})
          require_aligned_ptr(a, "solve_row_multiplier", "an argument");
        require(n > 0, "solve_row_multiplier: empty row");
        Vec<T> h(n);
        double mu = 0.0;
        {
          py::gil_scoped_release nogil;
          mu = solve_row_multiplier<T>(h_tilde.data(), p.data(), q.data(), h.data(), n,
                                       Beta(beta));
        }
        return py::make_tuple(h, mu);
      },
      "h_tilde"_a.noconvert(), "p"_a.noconvert(), "q"_a.noconvert(), "beta"_a,
      "One row of the sum-to-one H-update: returns (h, mu).");
  m.def(
      "rowsum_kl_transposed",
      [](MatRef<T> Ht, CMatRef<T> Qt, int n_threads) {
        require(Ht.rows() == Qt.rows() && Ht.cols() == Qt.cols(),
                "rowsum_kl_transposed: Ht and Qt differ in shape");
        require_aligned(Ht, "rowsum_kl_transposed", "Ht");
        require_aligned(Qt, "rowsum_kl_transposed", "Qt");
        const Mat<T> Q = Qt;  // the kernel takes a plain matrix (the sparse pass's own buffer)
        py::gil_scoped_release nogil;
        rowsum_update_kl_transposed<T>(Ht, Q, n_threads);
      },
      "Ht"_a.noconvert(), "Qt"_a.noconvert(), "n_threads"_a = 1,
      "In place, the beta = 1 sum-to-one update of H given as Ht = H.T (n x r, C order) with "
      "Qt = Q.T: column k of Ht becomes solve_row_multiplier's row k, up to 32 rows per sweep.");
}

template <class T>
void register_coupled_testing_t(py::module_& m) {
  m.def(
      "coupled_w_row",
      [](CVecRef<T> w_tilde, CVecRef<T> w_bar, CVecRef<T> P, CVecRef<T> Q, double lam,
         double beta) {
        require_supported_beta<T>(Beta(beta), "coupled_w_row");
        const Index r = w_tilde.size();
        require(w_bar.size() == r && P.size() == r && Q.size() == r,
                "coupled_w_row: lengths differ");
        for (const T* a : {w_tilde.data(), w_bar.data(), P.data(), Q.data()})
          require_aligned_ptr(a, "coupled_w_row", "an argument");
        Vec<T> out(r);
        coupled_w_row<T>(w_tilde.data(), w_bar.data(), P.data(), Q.data(), out.data(), r, lam,
                         Beta(beta));
        return out;
      },
      "w_tilde"_a.noconvert(), "w_bar"_a.noconvert(), "P"_a.noconvert(), "Q"_a.noconvert(),
      "lam"_a, "beta"_a, "The entrywise coupled W minimizer for one row (tests).");
}

template <class T>
void register_minvol_testing_t(py::module_& m) {
  m.def(
      "minvol_wstep",
      [](CMatRef<T> Y, CMatRef<T> W, CMatRef<T> H, CMatRef<double> V, double alpha, double delta,
         double rho) {
        require_product_shapes(Y, W, H, "minvol_wstep");
        require(W.rows() > 0 && W.cols() > 0 && all_positive(W),
                "minvol_wstep: W must be positive with at least one row and one column");
        require(V.rows() == W.rows() && V.cols() == W.cols(), "minvol_wstep: V and W differ in shape");
        require(std::isfinite(alpha) && alpha >= 0.0 && std::isfinite(rho) && rho >= 0.0,
                "minvol_wstep: alpha and rho must be nonnegative finite numbers");
        const LogdetMajorizer maj = logdet_majorizer<T>(W, delta);
        const MinvolBlock blk = minvol_block<T>(Y, W, H, maj, alpha, rho, 1);
        VecD mu = VecD::Zero(W.cols());
        MatD out;
        minvol_wstep(blk, V, mu, out);
        return py::make_tuple(out, mu, maj.A);
      },
      "Y"_a.noconvert(), "W"_a.noconvert(), "H"_a.noconvert(), "V"_a.noconvert(), "alpha"_a, "delta"_a,
      "rho"_a, "One ADMM W-step (24) at W_tilde = W (tests): returns (W_new, mu, A).");
}

template <class T, class I>
void register_sparse_raw_ti(py::module_& m) {
  using IArr = py::array_t<I, py::array::c_style>;
  using TArr = py::array_t<T, py::array::c_style>;
  using K = SparseCalls<T, I>;
  m.def(
      "mu_h_sparse",
      [](IArr ptr, IArr idx, TArr val, Index m_, Index n_, CMatRef<T> W, FactorArray<T> H,
         double beta, bool row_sums_one, int n_threads, bool want_loss) {
        return K::mu_h(compressed<T, I>(ptr, idx, val, n_, m_, "mu_h"), W, H, beta, row_sums_one,
                       n_threads, want_loss);  // CSC: outer = columns
      },
      "indptr"_a.noconvert(), "indices"_a.noconvert(), "data"_a.noconvert(), "m"_a, "n"_a,
      "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a, "row_sums_one"_a = false,
      "n_threads"_a = 1, "want_loss"_a = false,
      "mu_h on CSC data (beta = 1); H in Fortran order is updated without a transposed copy.");

  m.def(
      "mu_w_sparse",
      [](IArr ptr, IArr idx, TArr val, Index m_, Index n_, MatRef<T> W, FactorArray<T> H,
         double beta, int n_threads, bool want_loss) {
        return K::mu_w(compressed<T, I>(ptr, idx, val, m_, n_, "mu_w"), W, H, beta, n_threads,
                       want_loss);
      },
      "indptr"_a.noconvert(), "indices"_a.noconvert(), "data"_a.noconvert(), "m"_a, "n"_a,
      "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a, "n_threads"_a = 1, "want_loss"_a = false,
      "mu_w on CSR data (beta = 1).");

  m.def(
      "coupled_w_sparse",
      [](IArr ptr, IArr idx, TArr val, Index m_, Index n_, MatRef<T> W, FactorArray<T> H,
         CMatRef<T> W_bar, double lam, double beta, int n_threads, bool want_loss) {
        return K::coupled_w(compressed<T, I>(ptr, idx, val, m_, n_, "coupled_w"), W, H, W_bar, lam,
                            beta, n_threads, want_loss);
      },
      "indptr"_a.noconvert(), "indices"_a.noconvert(), "data"_a.noconvert(), "m"_a, "n"_a,
      "W"_a.noconvert(), "H"_a.noconvert(), "W_bar"_a.noconvert(), "lam"_a, "beta"_a,
      "n_threads"_a = 1, "want_loss"_a = false, "coupled_w on CSR data (beta = 1).");

  m.def(
      "beta_divergence_wh_sparse",
      [](IArr ptr, IArr idx, TArr val, Index m_, Index n_, CMatRef<T> W, FactorArray<T> H,
         double beta, int n_threads) {
        return K::divergence(compressed<T, I>(ptr, idx, val, m_, n_, "beta_divergence"), W, H,
                             beta, n_threads);
      },
      "indptr"_a.noconvert(), "indices"_a.noconvert(), "data"_a.noconvert(), "m"_a, "n"_a,
      "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a, "n_threads"_a = 1,
      "D_KL(X, W H) for CSR X.");

  m.def(
      "minvol_w_sparse",
      [](IArr ptr, IArr idx, TArr val, Index m_, Index n_, MatRef<T> W, FactorArray<T> H,
         py::handle W_bar, double alpha, double lam, double delta, double rho, double tol,
         int max_iter, int n_threads, bool adaptive_rho, bool exact) {
        return K::minvol_w(compressed<T, I>(ptr, idx, val, m_, n_, "minvol_w"), W, H,
                           W_bar, alpha, lam, delta, rho, tol, max_iter, n_threads,
                           adaptive_rho, exact);
      },
      "indptr"_a.noconvert(), "indices"_a.noconvert(), "data"_a.noconvert(), "m"_a, "n"_a,
      "W"_a.noconvert(), "H"_a.noconvert(), "W_bar"_a, "alpha"_a, "lam"_a, "delta"_a, "rho"_a,
      "tol"_a, "max_iter"_a, "n_threads"_a = 1, "adaptive_rho"_a = false, "exact"_a = false,
      "minvol_w on CSR data.");
}

}  // namespace

void register_testing(py::module_& parent) {
  py::module_ m = parent.def_submodule(
      "testing", "Test hooks of the core's kernels (not used by the estimators).");
  register_multiplier_t<float>(m);
  register_multiplier_t<double>(m);
  register_coupled_testing_t<float>(m);
  register_coupled_testing_t<double>(m);
  register_minvol_testing_t<float>(m);
  register_minvol_testing_t<double>(m);
  register_sparse_raw_ti<float, std::int32_t>(m);
  register_sparse_raw_ti<float, std::int64_t>(m);
  register_sparse_raw_ti<double, std::int32_t>(m);
  register_sparse_raw_ti<double, std::int64_t>(m);
  m.def(
      "minvol_zstep",
      [](CMatRef<double> V, CMatRef<double> W_bar, double nu) {
        require(V.rows() == W_bar.rows() && V.cols() == W_bar.cols(), "minvol_zstep: shapes differ");
        require(nu > 0.0, "minvol_zstep: nu must be positive");
        MatD Z;
        minvol_zstep(MatD(V), W_bar.array().log().matrix(), nu, Z);
        return Z;
      },
      "V"_a.noconvert(), "W_bar"_a.noconvert(), "nu"_a, "Z-step (25): argmin_z d_KL(z | w_bar)/nu + (z - v)^2/2.");
}

}  // namespace deepnmf
