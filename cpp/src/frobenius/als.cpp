// ALS with truncation (the lecture's NMF-ALS, steps 2.1–2.2; spec §2.1): the unconstrained least
// squares solution of the block, clipped at 0. A heuristic: it is not monotone.
#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include "block.hpp"

namespace deepnmf {

using frobenius_detail::check_block;
using frobenius_detail::row_blocks;

template <class T>
bool als_update(const CMatRef<double>& G, const CMatRef<T>& C, MatRef<T> U, Penalty pen,
                int n_threads) {
  check_block<T>(G, C, U, pen, "als_update");
  require(G.allFinite(), "als_update: G holds NaN or infinity");
  const Index N = U.rows(), r = U.cols();
  if (r == 0) return false;  // nothing to solve (and no eigenvalues to take the extremes of)
  Mat<double> A = G;
  A.diagonal().array() += pen.l2;
  // never a pseudo-inverse: a ridge of 1e-6·tr/r when the system is ill-conditioned (nmfbook
  // ALSH's rule), so that a vanished component does not make the solve singular
  const Eigen::SelfAdjointEigenSolver<Mat<double>> eig(A, Eigen::EigenvaluesOnly);
  const double lo = eig.eigenvalues().minCoeff(), hi = eig.eigenvalues().maxCoeff();
  const bool ridge = !(lo > 0.0) || hi > 1e6 * lo;
  if (ridge) {
    const double t = A.trace() / double(r);
    A.diagonal().array() += 1e-6 * (t > 0.0 ? t : 1.0);
  }
  const Eigen::LLT<Mat<double>> llt(A);
  require(llt.info() == Eigen::Success, "als_update: the Gram matrix is not positive definite "
                                        "even with the ridge (NaN in the factors?)");
  const Blocking blocks = row_blocks(N, r);
  parallel_for(blocks.count, n_threads, [&](Index b) {
    const Index i0 = blocks.begin(b), nb = blocks.length(b);
    Mat<double> Ct = C.middleRows(i0, nb).template cast<double>().transpose();  // r×nb
    Ct.array() -= pen.l1;
    llt.solveInPlace(Ct);  // (G + λ₂I)⁻¹ (C − λ₁)ᵀ
    U.middleRows(i0, nb) = Ct.transpose().cwiseMax(0.0).template cast<T>();
  });
  return ridge;
}

#define DEEPNMF_INSTANTIATE(T)                                                              \
  template bool als_update<T>(const CMatRef<double>&, const CMatRef<T>&, MatRef<T>, Penalty, \
                              int);
DEEPNMF_INSTANTIATE(float)
DEEPNMF_INSTANTIATE(double)
#undef DEEPNMF_INSTANTIATE

}  // namespace deepnmf
