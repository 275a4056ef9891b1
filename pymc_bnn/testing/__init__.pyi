# The names pymc_bnn.testing hands on, for type checkers and for lazy_loader, which reads
# this stub to import each from its module on first use (see __init__.py).
from . import conformance as conformance
from . import contract as contract
from . import implementations as implementations
from . import oracles as oracles
from . import strategies as strategies
from .implementations import PYMC as PYMC
from .implementations import PYMC_BNN as PYMC_BNN
from .implementations import Implementation as Implementation
from .implementations import compile_categorical as compile_categorical
from .implementations import compile_dirichlet_multinomial as compile_dirichlet_multinomial
from .implementations import compile_multinomial as compile_multinomial
from .oracles import categorical_logp_oracle as categorical_logp_oracle
from .oracles import categorical_logpmf_grad_logits as categorical_logpmf_grad_logits
from .oracles import multinomial_grad_logits as multinomial_grad_logits
from .oracles import multinomial_logpmf_oracle as multinomial_logpmf_oracle
from .oracles import scipy_dirichlet_multinomial_logpmf as scipy_dirichlet_multinomial_logpmf
from .oracles import scipy_multinomial_logpmf as scipy_multinomial_logpmf
from .strategies import INTEGER_DTYPES as INTEGER_DTYPES
from .strategies import MultinomialCase as MultinomialCase
from .strategies import concentration_vectors as concentration_vectors
from .strategies import count_vectors as count_vectors
from .strategies import invalid_count_vectors as invalid_count_vectors
from .strategies import logit_vectors as logit_vectors
from .strategies import multinomial_cases as multinomial_cases
from .strategies import simplex_vectors as simplex_vectors

DISTRIBUTIONS: tuple[str, ...]
