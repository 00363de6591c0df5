// Block principal pivoting (Kim & Park 2011, Algorithm 2 with the grouping of their §3.3): the
// passive set F of a row is exchanged with its infeasible set V = {i ∈ F : uᵢ < 0} ∪
// {i ∉ F : yᵢ < 0} (y = A u − c the dual); a full exchange while |V| shrinks or a budget of 3
// non-improving rounds lasts, then the backup rule (exchange the largest index of V only), which
// guarantees finite termination. Rows are grouped by passive set after every round; a group
// solves A_FF u_F = c_F for all its rows under one Cholesky factor.
#include "deepnmf/lsq/nnls.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

#include "../frobenius/block.hpp"

namespace deepnmf {

namespace {

struct RowState {
  int budget = 3;  // p of the paper
  Index best = 0;  // the smallest |V| seen (β of the paper)
};

/// A thread's workspace for one group: A_FF and the right-hand sides, column-major, sized for
/// the largest group seen (no allocation per group once warm).
struct GroupWork {
  Eigen::MatrixXd Aff, B;
  std::vector<Index> idx;
};

/// Solves A_FF X = B in place (columns of B the rows' c_F) by Cholesky; false when A_FF is
/// not numerically positive definite (then Aff and B are spoilt: the caller refills them).
bool solve_cholesky(Eigen::Ref<Eigen::MatrixXd> Aff, Eigen::Ref<Eigen::MatrixXd> B) {
  Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> llt(Aff);
  if (llt.info() != Eigen::Success) return false;
  llt.solveInPlace(B);
  return B.allFinite();
}

/// The fallback for a singular A_FF (duplicate or zero columns of the system: any minimizer
/// is a solution): LDLT of A_FF + ridge·I.
void solve_ridge(Eigen::Ref<Eigen::MatrixXd> Aff, Eigen::Ref<Eigen::MatrixXd> B, double ridge) {
  Aff.diagonal().array() += ridge;
  const Eigen::LDLT<Eigen::MatrixXd> ldlt(Aff);
  B = ldlt.solve(B).eval();
  if (!B.allFinite()) B.setZero();
}

}  // namespace

template <class T>
NnlsReport nnls_bpp(const CMatRef<double>& G, const CMatRef<T>& C, MatRef<T> U, Penalty pen,
                    bool warm, int n_threads) {
  frobenius_detail::check_block<T>(G, C, U, pen, "nnls");
  require(G.allFinite() && C.allFinite(), "nnls: the system holds NaN or infinity");
  const Index N = U.rows(), r = U.cols();
  NnlsReport rep;
  if (N == 0 || r == 0) return rep;
  Mat<double> A = G;
  A.diagonal().array() += pen.l2;
  const double ridge = 1e-12 * std::max(A.trace() / double(r), 1e-300);
  const double amax = A.diagonal().maxCoeff();
  Mat<double> c = C.template cast<double>();
  c.array() -= pen.l1;
  Mat<double> u = Mat<double>::Zero(N, r), y = -c;
  std::vector<char> F(static_cast<size_t>(N * r), 0);
  auto passive = [&](Index i) { return F.data() + i * r; };
  // warm: the support of U; cold: every index passive, so that the first round solves the
  // unconstrained problem for all rows under one factor and starts from the support of its
  // solution (fewer pivoting rounds than from u = 0 on dense problems)
  for (Index i = 0; i < N; ++i)
    for (Index k = 0; k < r; ++k) passive(i)[k] = warm ? U(i, k) > T(0) : 1;
  std::vector<RowState> state(static_cast<size_t>(N));
  for (auto& s : state) s.best = r + 1;

  // the rows to (re)solve, grouped by passive set: sorted by it, then by row (deterministic)
  std::vector<Index> rows, starts;
  auto group = [&]() {
    std::sort(rows.begin(), rows.end(), [&](Index a, Index b) {
      const int cmp = std::memcmp(passive(a), passive(b), static_cast<size_t>(r));
      return cmp != 0 ? cmp < 0 : a < b;
    });
    starts.clear();
    for (size_t j = 0; j < rows.size(); ++j)
      if (j == 0 || std::memcmp(passive(rows[j]), passive(rows[j - 1]), size_t(r)) != 0)
        starts.push_back(Index(j));
    starts.push_back(Index(rows.size()));
  };
  // u_F = A_FF⁻¹ c_F, u elsewhere 0, y = A u − c (0 on F) for every row of every group
  auto solve_groups = [&]() {
    const Index n_groups = Index(starts.size()) - 1;
    parallel_blocks(n_groups, n_threads, [] { return GroupWork(); }, [&](Index g, GroupWork& w) {
      const Index j0 = starts[size_t(g)], j1 = starts[size_t(g) + 1];
      const char* f = passive(rows[size_t(j0)]);
      w.idx.clear();
      for (Index k = 0; k < r; ++k)
        if (f[k]) w.idx.push_back(k);
      const Index nf = Index(w.idx.size()), ng = j1 - j0;
      if (w.Aff.rows() < nf) w.Aff.resize(nf, nf);
      if (w.B.rows() < nf || w.B.cols() < ng) w.B.resize(std::max(nf, w.B.rows()),
                                                         std::max(ng, w.B.cols()));
      auto Aff = w.Aff.topLeftCorner(nf, nf);
      auto B = w.B.topLeftCorner(nf, ng);
      auto gather = [&] {
        for (Index b = 0; b < nf; ++b)
          for (Index a = 0; a < nf; ++a) Aff(a, b) = A(w.idx[size_t(a)], w.idx[size_t(b)]);
        for (Index j = 0; j < ng; ++j) {
          const double* ci = &c(rows[size_t(j0 + j)], 0);
          for (Index a = 0; a < nf; ++a) B(a, j) = ci[w.idx[size_t(a)]];
        }
      };
      if (nf > 0) {
        gather();
        if (!solve_cholesky(Aff, B)) {
          gather();
          solve_ridge(Aff, B, ridge);
        }
      }
      for (Index j = 0; j < ng; ++j) {
        const Index i = rows[size_t(j0 + j)];
        double* ui = &u(i, 0);
        double* yi = &y(i, 0);
        const double* ci = &c(i, 0);
        std::fill(ui, ui + r, 0.0);
        for (Index a = 0; a < nf; ++a) ui[w.idx[size_t(a)]] = B(a, j);
        // y = A u − c off F (0 on F): only the columns of F contribute
        for (Index k = 0; k < r; ++k) {
          if (f[k]) {
            yi[k] = 0.0;
            continue;
          }
          double s = -ci[k];
          const double* Ak = &A(k, 0);
          for (Index a = 0; a < nf; ++a) s += Ak[w.idx[size_t(a)]] * B(a, j);
          yi[k] = s;
        }
      }
    });
    rep.factorizations += n_groups;
  };
  // the exchange rule of one row; returns whether it is optimal (V empty)
  auto exchange = [&](Index i) {
    char* f = passive(i);
    const double umax = u.row(i).cwiseAbs().maxCoeff();
    const double utol = 1e-12 * umax;
    const double ytol = 1e-12 * (c.row(i).cwiseAbs().maxCoeff() + amax * umax);
    Index nv = 0, last = -1;
    for (Index k = 0; k < r; ++k) {
      const bool bad = f[k] ? u(i, k) < -utol : y(i, k) < -ytol;
      if (bad) ++nv, last = k;
    }
    if (nv == 0) return true;
    auto& s = state[size_t(i)];
    if (nv < s.best) {
      s.best = nv, s.budget = 3;
    } else if (s.budget >= 1) {
      --s.budget;
    } else {  // the backup rule: the largest infeasible index only
      f[last] = !f[last];
      return false;
    }
    for (Index k = 0; k < r; ++k) {
      const bool bad = f[k] ? u(i, k) < -utol : y(i, k) < -ytol;
      if (bad) f[k] = !f[k];
    }
    return false;
  };

  rows.resize(size_t(N));
  std::iota(rows.begin(), rows.end(), Index(0));
  group();
  solve_groups();
  const int max_rounds = int(5 * r) + 5;
  std::vector<char> optimal(size_t(N), 0);
  for (int round = 0;; ++round) {
    std::vector<Index> next;
    for (Index i : rows)
      if (!(optimal[size_t(i)] = exchange(i))) next.push_back(i);
    if (next.empty()) break;
    if (round >= max_rounds) {
      rep.failed = Index(next.size());
      break;
    }
    rows.swap(next);
    group();
    solve_groups();
    rep.rounds = round + 1;
  }
  for (Index i = 0; i < N; ++i)
    for (Index k = 0; k < r; ++k) U(i, k) = T(std::max(u(i, k), 0.0));
  return rep;
}

#define DEEPNMF_INSTANTIATE(T)                                                            \
  template NnlsReport nnls_bpp<T>(const CMatRef<double>&, const CMatRef<T>&, MatRef<T>, \
                                  Penalty, bool, int);
DEEPNMF_INSTANTIATE(float)
DEEPNMF_INSTANTIATE(double)
#undef DEEPNMF_INSTANTIATE

}  // namespace deepnmf
