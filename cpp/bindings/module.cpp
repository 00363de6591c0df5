// The compiled core deepnmf._core_<level>: one register_<family> call per family (util.hpp).
#include "util.hpp"

PYBIND11_MODULE(DEEPNMF_CORE_NAME, m) {
  m.doc() = "deepnmf's compiled core (one build per instruction-set level)";
  deepnmf::register_core(m);
  deepnmf::register_beta(m);
  deepnmf::register_sparse(m);
  deepnmf::register_special(m);
  deepnmf::register_minvol(m);
  deepnmf::register_frobenius(m);
  deepnmf::register_masked(m);
  deepnmf::register_testing(m);
}
