"""pymc_bnn: validated multiclass likelihoods and Bayesian classifiers for PyMC."""

from pymc_bnn.categorical import Categorical
from pymc_bnn.multinomial import Multinomial

__all__ = ["Categorical", "Multinomial"]
__version__ = "0.1.0.dev0"
