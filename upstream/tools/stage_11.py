# ruff: noqa: E501  (the header quotes a subject line and source lines as they are)
"""Stage 11 of the patches, for PyTensor: copy_stack_trace keeps each trace once."""

REWRITING = "pytensor/graph/rewriting/basic.py"

STAGE_11 = {
    "name": "11-stack-traces-once",
    "header": """Subject: copy_stack_trace: keep each trace once (traces of interned constants grew 3x per compile)

Memory grows geometrically when a model is compiled repeatedly in one process
while an earlier compiled function with the same `Scan` step is alive. Found by
pymc_bnn's test suite (a process killed at 14 GB after about twenty ADVI fits).
Reproducer, PyMC 6.4 / PyTensor 3.3.8:

    import numpy as np, pymc as pm, pytensor
    from pytensor.graph.basic import Constant, FrozenApply
    from pytensor.graph.replace import graph_replace
    from pymc.pytensorf import collect_default_updates

    def fused_advi_steps():
        with pm.Model():
            x = pm.Normal("x", 0, 1)
            pm.Normal("y", x, 1, observed=np.zeros(3))
            updates = pm.ADVI().objective.updates(obj_optimizer=pm.adam())
        state = {**updates, **collect_default_updates(outputs=list(updates.values()))}
        keys = list(state)
        def step(*values):
            return graph_replace([state[v] for v in keys], dict(zip(keys, values)))
        out = pytensor.scan(step, outputs_info=keys, n_steps=10, return_updates=False)
        out = [o for o in out if isinstance(o.type, pytensor.tensor.TensorType)]
        return pytensor.function([], [o[-1] for o in out])

    kept = fused_advi_steps()
    for _ in range(8):
        fused_advi_steps()
        print(max(len(getattr(c.tag, "trace", [])) for n in list(FrozenApply._cache.values())
                  for c in n.inputs if isinstance(c, Constant)))
    # 13, 40, 121, 364, 1093, 3280, 9841, 29524: x3 per compile

A `Scan`'s inner graph is frozen and frozen nodes are interned process-wide, so
the constant `1.0` of `switch(scale_cost_to_minibatch, t, 1.0)` is the same
object in every later graph with the same step while one of them is alive.
`local_useless_switch` calls `copy_stack_trace(node.outputs + node.inputs, left)`,
whose sources include `left` itself (and `right`, the same merged constant):
the trace becomes `trace + out + cond + trace + trace`, three times as long, at
every compile. The trace holds only 3 distinct entries.

Fix: `copy_stack_trace` appends only traces the target does not have yet
(compared by value: cloned tags hold equal, not identical, lists).
""",
    "edits": [
        (
            REWRITING,
            """    # Copy over stack traces to to_var
    if isinstance(to_var, Iterable) and not isinstance(to_var, Variable):
        # Copy over stack traces from from_var to each variable in
        # to_var, including the stack_trace of the to_var before
        for v in to_var:
            v.tag.trace = getattr(v.tag, "trace", []) + tr
    else:
        # Copy over stack traces from from_var to each variable to
        # to_var, including the stack_trace of the to_var before
        to_var.tag.trace = getattr(to_var.tag, "trace", []) + tr
    return to_var
""",
            """    def merged(existing):
        # Each trace once: from_var may include to_var itself (or a variable
        # sharing its trace), and interned constants keep their traces across
        # compiles, so appending duplicates grows a trace geometrically.
        seen = {_trace_key(t) for t in existing}
        new = []
        for t in tr:
            key = _trace_key(t)
            if key not in seen:
                seen.add(key)
                new.append(t)
        return existing + new

    # Copy over stack traces to to_var
    if isinstance(to_var, Iterable) and not isinstance(to_var, Variable):
        # Copy over stack traces from from_var to each variable in
        # to_var, including the stack_trace of the to_var before
        for v in to_var:
            v.tag.trace = merged(getattr(v.tag, "trace", []))
    else:
        # Copy over stack traces from from_var to each variable to
        # to_var, including the stack_trace of the to_var before
        to_var.tag.trace = merged(getattr(to_var.tag, "trace", []))
    return to_var


def _trace_key(trace):
    \"\"\"A hashable value of one stack trace (a list of frame tuples).\"\"\"
    return tuple(map(tuple, trace)) if isinstance(trace, list) else trace
""",
        ),
        (
            "tests/graph/rewriting/test_copy_stack_trace.py",
            None,
            """import pytensor.tensor as pt
from pytensor.graph.rewriting.basic import copy_stack_trace


def test_copying_a_trace_onto_one_of_its_sources_keeps_it_once():
    x = pt.scalar("x")
    y = pt.exp(x)
    one = pt.constant(1.0)
    copy_stack_trace([y, x, one, one], one)  # as local_useless_switch does
    once = list(one.tag.trace)
    assert all(t in once for t in y.tag.trace + x.tag.trace)
    for _ in range(40):  # the same rewrite at each later compile
        copy_stack_trace([y, x, one, one], one)
    assert one.tag.trace == once


def test_distinct_traces_are_all_kept():
    x, z = pt.scalar("x"), pt.scalar("z")
    out = copy_stack_trace([x, z], pt.exp(x) + z)
    assert all(t in out.tag.trace for t in x.tag.trace + z.tag.trace)
""",
        ),
    ],
}
