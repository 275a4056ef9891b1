from pymc_bnn import BayesianMLPClassifier

clf = BayesianMLPClassifier(random_state=0, progressbar=False)
clf.fit(X_train, y_train)


def probability_draws(X):
    """Class probabilities of the rows X under each draw: (draws, rows, 7)."""
    return clf.predict_proba_draws(X).stack(s=("chain", "draw")).transpose("s", ...).values
