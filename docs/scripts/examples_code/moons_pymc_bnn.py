from pymc_bnn import BayesianMLPClassifier

clf = BayesianMLPClassifier(hidden=(5, 5), random_state=0, progressbar=False)
clf.fit(X_train, y_train)


def probability_draws(X):
    """P(class 0), P(class 1) of the rows X under each draw: (draws, rows, 2)."""
    return clf.predict_proba_draws(X).stack(s=("chain", "draw")).transpose("s", ...).values
